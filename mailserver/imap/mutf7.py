"""Modified UTF-7, the encoding of IMAP mailbox names (RFC 3501 §5.1.3).

Owns the conversion between mailbox names as Python text and their 7-bit wire form. The decoder is strict: it
refuses anything a conforming encoder could not have produced, so that every name has exactly one wire form.
It must never guess, repair or pass through an invalid sequence (Twisted's 'imap4-utf-7' codec does all three).
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["InvalidModifiedUtf7", "decode", "encode"]

_SHIFT = "&"
_UNSHIFT = "-"
_ENCODED_RUN = re.compile(r"&([A-Za-z0-9+,]*)-")


class InvalidModifiedUtf7(ValueError):
    """The text is not a valid modified UTF-7 mailbox name."""


def _is_direct(char: str) -> bool:
    # RFC 3501 §5.1.3: printable US-ASCII (0x20-0x7e) represents itself, "&" excepted.
    return "\x20" <= char <= "\x7e"


def _encode_run(run: str) -> str:
    try:
        utf16 = run.encode("utf-16-be")
    except UnicodeEncodeError as exc:
        raise InvalidModifiedUtf7("lone surrogate in a mailbox name") from exc
    # RFC 3501 §5.1.3: modified BASE64, "," for "/", no "=" padding.
    return _SHIFT + base64.b64encode(utf16).decode("ascii").rstrip("=").replace("/", ",") + _UNSHIFT


def encode(name: str) -> str:
    """Return the modified UTF-7 wire form of `name` (pure ASCII); a lone surrogate is refused."""
    out: list[str] = []
    pending: list[str] = []
    for char in name:
        if _is_direct(char):
            if pending:
                out.append(_encode_run("".join(pending)))
                pending.clear()
            out.append("&-" if char == _SHIFT else char)
        else:
            pending.append(char)
    if pending:
        out.append(_encode_run("".join(pending)))
    return "".join(out)


def _decode_run(b64: str) -> str:
    if not b64:
        raise InvalidModifiedUtf7("empty shifted sequence")
    # 16-bit units cut into 6-bit digits: a valid run has 3, 6 or 8 digits per 2, 4 or 6 octets.
    if len(b64) % 8 not in (0, 3, 6):
        raise InvalidModifiedUtf7("truncated shifted sequence")
    standard = b64.replace(",", "/")
    padded = standard + "=" * (-len(standard) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
    except binascii.Error as exc:
        raise InvalidModifiedUtf7("bad base64 in shifted sequence") from exc
    # The bits left over after the last 16-bit unit must be zero (only one encoding per name).
    if base64.b64encode(raw).decode("ascii").rstrip("=") != standard:
        raise InvalidModifiedUtf7("non-zero padding bits")
    if len(raw) % 2:
        raise InvalidModifiedUtf7("odd number of octets in shifted sequence")
    try:
        text = raw.decode("utf-16-be")
    except UnicodeDecodeError as exc:
        raise InvalidModifiedUtf7("unpaired UTF-16 surrogate") from exc
    if any(_is_direct(char) for char in text):
        # RFC 3501 §5.1.3: printable US-ASCII must represent itself, never be shifted.
        raise InvalidModifiedUtf7("printable ASCII inside a shifted sequence")
    return text


def decode(wire: str | bytes) -> str:
    """Decode a modified UTF-7 mailbox name; raise `InvalidModifiedUtf7` on anything not canonical."""
    if isinstance(wire, bytes):
        try:
            wire = wire.decode("ascii")
        except UnicodeDecodeError as exc:
            raise InvalidModifiedUtf7("8-bit octet in a modified UTF-7 name") from exc
    out: list[str] = []
    pos = 0
    previous_was_shifted = False
    while pos < len(wire):
        char = wire[pos]
        if char == _SHIFT:
            match = _ENCODED_RUN.match(wire, pos)
            if match is None:
                raise InvalidModifiedUtf7("unterminated or invalid shifted sequence")
            if match.group(1) == "":
                out.append(_SHIFT)
                previous_was_shifted = False
            else:
                if previous_was_shifted:
                    # RFC 3501 §5.1.3: adjacent shifted sequences ("-&" null shifts) are not permitted.
                    raise InvalidModifiedUtf7("adjacent shifted sequences")
                out.append(_decode_run(match.group(1)))
                previous_was_shifted = True
            pos = match.end()
            continue
        if not _is_direct(char):
            raise InvalidModifiedUtf7("character outside printable US-ASCII")
        out.append(char)
        previous_was_shifted = False
        pos += 1
    return "".join(out)
