"""IMAP wire syntax for strings: atoms, quoted strings, literals, NIL (RFC 3501 §4, RFC 9051 §4).

Owns the choice between a quoted string and a literal for a byte string, so that ENVELOPE, BODYSTRUCTURE and
every other response built from message data is valid whatever bytes the message carries. The IMAP server reuses
these helpers. Never decides what to send, never writes to a socket; bytes in, bytes out.
"""

from __future__ import annotations

from collections.abc import Iterable

NIL = b"NIL"

# RFC 3501 §9: atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
_ATOM_SPECIALS = frozenset(b'(){ %*"\\]') | frozenset(range(0x00, 0x20)) | {0x7F}
_ASTRING_SPECIALS = _ATOM_SPECIALS - {ord("]")}  # RFC 3501 §9: ASTRING-CHAR = ATOM-CHAR / resp-specials
# RFC 3501 §9: QUOTED-CHAR = <any TEXT-CHAR except quoted-specials>; TEXT-CHAR excludes CR and LF; CHAR is 7-bit
_NOT_QUOTABLE = frozenset({0x0D, 0x0A}) | frozenset(range(0x80, 0x100))
_NOT_QUOTABLE_UTF8 = frozenset({0x0D, 0x0A})  # RFC 9051 §4.3 / RFC 6855: UTF-8 allowed in quoted strings


def literal(data: bytes) -> bytes:
    """A synchronising literal `{n}\\r\\n` followed by the bytes (RFC 3501 §4.3). NUL is the caller's concern."""
    return b"{%d}\r\n" % len(data) + data


def quote_or_literal(data: bytes, *, utf8: bool = False) -> bytes:
    """`data` as a quoted string when one can carry it, as a literal otherwise.

    A quoted string carries 7-bit text without CR or LF (RFC 3501 §4.3), or UTF-8 text once the client enabled
    UTF8=ACCEPT (`utf8=True`, RFC 9051 §4.3). NUL can be carried by neither form (only by literal8), so NUL bytes
    are dropped: this is for text-like values (header fields, parameters), never for message content.
    """
    if 0 in data:
        data = data.replace(b"\x00", b"")
    if data.isascii() and not (b"\r" in data or b"\n" in data):
        return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    banned = _NOT_QUOTABLE_UTF8 if utf8 else _NOT_QUOTABLE
    if utf8 and not any(b in banned for b in data) and _is_utf8(data):
        return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return literal(data)


def nstring(data: bytes | None, *, utf8: bool = False) -> bytes:
    """RFC 3501 §9 nstring: NIL for None, else a string."""
    return NIL if data is None else quote_or_literal(data, utf8=utf8)


def astring(data: bytes, *, utf8: bool = False) -> bytes:
    """RFC 3501 §9 astring: a bare atom when every byte is an ASTRING-CHAR, else a string."""
    if data and data.isascii() and not any(b in _ASTRING_SPECIALS for b in data):
        return data
    return quote_or_literal(data, utf8=utf8)


def is_atom(data: bytes) -> bool:
    """True when `data` is a non-empty RFC 3501 atom."""
    return bool(data) and data.isascii() and not any(b in _ATOM_SPECIALS for b in data)


def paren_list(items: Iterable[bytes]) -> bytes:
    """Parenthesised list of already-encoded items separated by spaces: `(a b c)`."""
    return b"(" + b" ".join(items) + b")"


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
