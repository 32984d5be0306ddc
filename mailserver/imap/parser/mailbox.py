"""Mailbox names and LIST patterns as the client writes them (RFC 3501 §5.1, §5.1.3; RFC 6855 §3).

Owns reading a mailbox argument into text: modified UTF-7 is decoded, or, once the client has enabled
UTF8=ACCEPT, raw UTF-8 is taken as is. "INBOX" is matched case-insensitively (RFC 3501 §5.1). It must never decide
whether a mailbox exists or may be used: that is the store's and the policies' business.
"""

from __future__ import annotations

from mailserver.imap import mutf7
from mailserver.imap.parser.lexer import Reader

__all__ = ["decode_mailbox", "read_list_pattern", "read_mailbox"]


def decode_mailbox(raw: bytes, *, utf8: bool) -> str:
    """Decode a name or pattern from the wire; raise ValueError with a client-safe reason."""
    if raw.upper() == b"INBOX":
        return "INBOX"  # RFC 3501 §5.1: INBOX is case-insensitive
    if utf8 or any(octet >= 0x80 for octet in raw):
        # RFC 6855 §3: after ENABLE UTF8=ACCEPT names are UTF-8. Raw UTF-8 sent without it is taken too: it
        # cannot be mistaken for modified UTF-7, which is pure ASCII.
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError("Mailbox name is not valid UTF-8") from exc
    else:
        try:
            name = mutf7.decode(raw)
        except mutf7.InvalidModifiedUtf7 as exc:
            raise ValueError("Mailbox name is not valid modified UTF-7") from exc
    if any(char < " " or char == "\x7f" for char in name):
        raise ValueError("Control character in mailbox name")
    return name


def read_mailbox(reader: Reader) -> str:
    """RFC 3501 §9 `mailbox = "INBOX" / astring`."""
    raw = reader.astring("mailbox name")
    try:
        return decode_mailbox(raw, utf8=reader.utf8)
    except ValueError as exc:
        raise reader.fail(str(exc)) from exc


def read_list_pattern(reader: Reader) -> str:
    """RFC 3501 §9 `list-mailbox`: an astring that may hold the wildcards % and * unquoted."""
    raw = reader.list_mailbox("mailbox pattern")
    try:
        return decode_mailbox(raw, utf8=reader.utf8)
    except ValueError as exc:
        raise reader.fail(str(exc)) from exc
