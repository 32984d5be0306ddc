"""Distinguished names in the form operators publish on the MSSanté whitelist, and a comparison key for them.

Owns the string form of a certificate subject (`CN=<host>,OU=<structure id>,O=<organisation>,ST=...,C=FR`: the
most specific attribute first, comma-separated without spaces, RFC 4514 escaping) and `normalise_dn`, which turns
any DN string as written by hand or by a tool into one key, so that two DNs naming the same subject compare equal.
It never decides whether a DN is acceptable: matching a peer against the whitelist is the SMTP layer's job.
"""

from __future__ import annotations

import re
import unicodedata

from cryptography import x509
from cryptography.x509.oid import NameOID

# Short names as the whitelist and OpenSSL print them. Everything else is rendered as a dotted OID.
_SHORT_NAMES: dict[x509.ObjectIdentifier, str] = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.COUNTRY_NAME: "C",
    NameOID.STREET_ADDRESS: "STREET",
    NameOID.DOMAIN_COMPONENT: "DC",
    NameOID.USER_ID: "UID",
    NameOID.EMAIL_ADDRESS: "E",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.SURNAME: "SN",
    NameOID.GIVEN_NAME: "GN",
    NameOID.TITLE: "T",
}

# Every spelling of an attribute type seen in DN strings, folded to one canonical short name (lower-case keys).
_ALIASES: dict[str, str] = {
    "cn": "CN",
    "commonname": "CN",
    "2.5.4.3": "CN",
    "ou": "OU",
    "organizationalunitname": "OU",
    "organisationalunitname": "OU",
    "2.5.4.11": "OU",
    "o": "O",
    "organizationname": "O",
    "organisationname": "O",
    "2.5.4.10": "O",
    "l": "L",
    "localityname": "L",
    "2.5.4.7": "L",
    "st": "ST",
    "s": "ST",
    "stateorprovincename": "ST",
    "2.5.4.8": "ST",
    "c": "C",
    "countryname": "C",
    "2.5.4.6": "C",
    "street": "STREET",
    "streetaddress": "STREET",
    "2.5.4.9": "STREET",
    "dc": "DC",
    "domaincomponent": "DC",
    "0.9.2342.19200300.100.1.25": "DC",
    "uid": "UID",
    "userid": "UID",
    "0.9.2342.19200300.100.1.1": "UID",
    "e": "E",
    "email": "E",
    "emailaddress": "E",
    "1.2.840.113549.1.9.1": "E",
    "serialnumber": "SERIALNUMBER",
    "2.5.4.5": "SERIALNUMBER",
    "sn": "SN",
    "surname": "SN",
    "2.5.4.4": "SN",
    "gn": "GN",
    "g": "GN",
    "givenname": "GN",
    "2.5.4.42": "GN",
    "t": "T",
    "title": "T",
    "2.5.4.12": "T",
}

# A separator (',' or '+') only counts when an attribute type and '=' follow it, so that a value written without
# the escaping RFC 4514 asks for ("O=CH, SITE NORD") still parses as one value.
_NEXT_ATTRIBUTE = re.compile(r"\s*(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)\s*=")
_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}")


def name_dn_string(name: x509.Name) -> str:
    """`name` in the whitelist form: most specific RDN first, `,` between RDNs, RFC 4514 escaping."""
    return name.rfc4514_string(_SHORT_NAMES)  # RFC 4514 §2.1: the last RDN of the sequence comes first


def subject_dn_string(cert: x509.Certificate) -> str:
    """The certificate subject as operators publish it on the whitelist (`DNCertificatOperateur`)."""
    return name_dn_string(cert.subject)


def normalise_dn(text: str) -> str:
    """A comparison key for a DN string: equal keys name the same subject.

    Folds the spelling of attribute types (`cn`, `commonName`, `2.5.4.3` are all `CN`), ignores the order of
    attributes and the spaces around separators, removes RFC 4514 escapes and the double quotes of RFC 1779,
    and compares values as RFC 5280 §7.1 asks (RFC 4518 preparation: Unicode NFKC, case folded, runs of spaces
    collapsed, leading and trailing spaces dropped). The key is for comparison only, never for display.
    """
    pairs = sorted(f"{attr}={_escape_key(value)}" for attr, value in parse_dn(text))
    return ",".join(pairs)


def parse_dn(text: str) -> list[tuple[str, str]]:
    """The (canonical type, prepared value) pairs of a DN string, in the order written. Types unknown to us keep
    their spelling, upper-cased."""
    pairs: list[tuple[str, str]] = []
    for chunk in _split_attributes(text):
        attr, sep, raw = chunk.partition("=")
        if not sep or not attr.strip():
            continue  # a stray separator or an empty RDN: nothing to compare
        attr_key = attr.strip().lower()
        canonical = _ALIASES.get(attr_key, attr.strip().upper())
        pairs.append((canonical, _prepare(_unquote(raw))))
    return pairs


def _split_attributes(text: str) -> list[str]:
    """Split at ',', ';' and '+' that separate attributes, respecting escapes and a quoted value."""
    chunks: list[str] = []
    current: list[str] = []
    i, in_quotes = 0, False
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch == '"' and (in_quotes or _only_spaces_after_equals(current)):
            in_quotes = not in_quotes
        elif ch in ",;+" and not in_quotes and _NEXT_ATTRIBUTE.match(text, i + 1):
            chunks.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    chunks.append("".join(current))
    return chunks


def _only_spaces_after_equals(current: list[str]) -> bool:
    """True while nothing but spaces follows the '=' of the attribute being read (a value may start quoted)."""
    text = "".join(current)
    _, sep, after = text.partition("=")
    return bool(sep) and after.strip() == ""


def _unquote(raw: str) -> str:
    """Remove RFC 1779 double quotes around a whole value, then RFC 4514 escapes (`\\,` and `\\C3\\A9`)."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"' and value[-2] != "\\":
        value = value[1:-1]
    out = bytearray()
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            if _HEX_PAIR.fullmatch(value, i + 1, i + 3):
                out.append(int(value[i + 1 : i + 3], 16))
                i += 3
                continue
            out += value[i + 1].encode()
            i += 2
            continue
        out += ch.encode()
        i += 1
    return out.decode("utf-8", errors="replace")


def _prepare(value: str) -> str:
    """RFC 4518 §2 string preparation, simplified: NFKC, case folding, insignificant spaces removed."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(folded.split())


def _escape_key(value: str) -> str:
    """Escape the characters that would make two different keys look the same."""
    return re.sub(r'([\\,+=;"])', r"\\\1", value)
