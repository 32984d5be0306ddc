"""Turning header and body bytes into text: RFC 2047 encoded words and charset decoding.

Owns the tolerant conversion from what a message carries (raw 8-bit UTF-8 or legacy bytes, encoded words, unknown
charsets) to `str` for search, display and file names. Never raises on bad input (bad base64, unknown or
non-text charsets decode with replacement), and never changes the stored bytes: envelopes keep encoded words.
"""

from __future__ import annotations

import binascii
import re

_FALLBACK = "utf-8"

# RFC 2047 §2: encoded-word = "=?" charset "?" encoding "?" encoded-text "?="
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BLANKS = re.compile(r"[ \t\r\n]+")
_Q_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")


def decode_charset(data: bytes, charset: str | None) -> str:
    """`data` decoded in `charset`; unknown, non-text or absent charsets fall back to UTF-8. Never raises."""
    name = (charset or "").strip().strip('"').lower()
    if name in ("", "us-ascii", "ascii", "unknown-8bit", "x-unknown"):
        name = _FALLBACK
    try:
        return data.decode(name, "replace")
    except (LookupError, ValueError, TypeError):
        return data.decode(_FALLBACK, "replace")


def wire_text(data: bytes) -> str:
    """Bytes of unknown charset (raw 8-bit headers, RFC 6532): UTF-8 when valid, else Windows-1252, else Latin-1."""
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words in `text`, dropping blanks between adjacent encoded words (§6.2).

    Adjacent words in the same charset are joined before decoding, so a multi-byte character split across two
    words (a common encoder fault) still decodes.
    """
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: bytearray = bytearray()
    pending_charset: str | None = None
    pos = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[pos : match.start()]
        if pending_charset is not None and not _BLANKS.fullmatch(between):
            out.append(decode_charset(bytes(pending), pending_charset))
            pending, pending_charset = bytearray(), None
        if pending_charset is None:
            out.append(between)
        charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 §5: charset*language
        if pending_charset is not None and charset != pending_charset:
            out.append(decode_charset(bytes(pending), pending_charset))
            pending = bytearray()
        pending_charset = charset
        pending += _decode_payload(match.group(2), match.group(3))
        pos = match.end()
    if pending_charset is not None:
        out.append(decode_charset(bytes(pending), pending_charset))
    out.append(text[pos:])
    return "".join(out)


def header_text(value: bytes) -> str:
    """Display text of an unfolded header value: raw bytes to text, then encoded words decoded."""
    return decode_words(wire_text(value))


def _decode_payload(encoding: str, payload: str) -> bytes:
    data = payload.encode("ascii", "replace")
    if encoding in "bB":
        cleaned = data.rstrip(b"=")
        if len(cleaned) % 4 == 1:  # a stray character cannot carry a byte: drop it rather than fail
            cleaned = cleaned[:-1]
        cleaned += b"=" * (-len(cleaned) % 4)
        try:
            return binascii.a2b_base64(cleaned)
        except (binascii.Error, ValueError):
            return b""
    data = data.replace(b"_", b" ")  # RFC 2047 §4.2 (2): "_" stands for SPACE
    return _Q_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), data)
