"""xtext (RFC 3461 §4): the encoding of the ENVID and ORCPT parameters on the SMTP wire.

Owns encoding and decoding only. Never validates what the decoded value means.
"""

from __future__ import annotations

import re

_HEXCHAR = re.compile(r"\+([0-9A-F]{2})")


def encode(value: str) -> str:
    """RFC 3461 §4: octets outside "!" to "~", and "+" and "=", are written "+" and two upper-case hex digits."""
    out = []
    for byte in value.encode("utf-8"):
        if 33 <= byte <= 126 and byte not in (0x2B, 0x3D):
            out.append(chr(byte))
        else:
            out.append(f"+{byte:02X}")
    return "".join(out)


def decode(value: str) -> str:
    """The value an xtext stands for; hex pairs are octets of UTF-8 (RFC 6533 §3 for UTF-8 addresses)."""
    octets = _HEXCHAR.sub(lambda m: chr(int(m.group(1), 16)), value)
    try:
        return octets.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return octets


def orcpt_param(orcpt: str) -> str:
    """ORCPT=<addr-type>;<xtext> (RFC 3461 §4.2) from a stored "rfc822;bob@b.test"."""
    addr_type, sep, address = orcpt.partition(";")
    if not sep:
        addr_type, address = "rfc822", orcpt
    return f"ORCPT={addr_type.strip()};{encode(address.strip())}"
