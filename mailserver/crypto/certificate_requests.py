"""Checking what is asked of the development PKI: host names, e-mail addresses and certificate file names.

Owns the input rules of `pki.DevelopmentPKI.issue_*`: a host name is ASCII (IDNs as A-labels), an address is
ASCII `local@domain`, a file stem cannot leave the PKI folder or take the name of a CA file. Raises UsageError
with the offending value; never touches files.
"""

from __future__ import annotations

import re

from mailserver.errors import UsageError

_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")
_FILE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
RESERVED_STEMS = frozenset({"root-ca", "org-ca", "index"})


def checked_hostname(hostname: str) -> str:
    """The host name, lower-cased and without a final dot."""
    host = hostname.strip().rstrip(".").lower()
    if not _HOST.fullmatch(host):
        raise UsageError(f"not a host name (ASCII letters, digits, '-' and '.'; IDNs in A-label form): {hostname!r}")
    return host


def checked_email(email: str) -> str:
    """An ASCII address `local@domain` (an rfc822Name SAN holds no UTF-8, RFC 5280 §4.2.1.6)."""
    address = email.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or not address.isascii() or any(c.isspace() for c in address):
        raise UsageError(f"not an e-mail address (ASCII, local@domain): {email!r}")
    return address


def checked_file_stem(name: str) -> str:
    """A stem for NAME.pem and NAME.key inside the PKI folder."""
    if not _FILE_STEM.fullmatch(name) or name.lower() in RESERVED_STEMS or ".." in name:
        raise UsageError(f"not a usable certificate name (letters, digits, '.', '_', '-'): {name!r}")
    return name


def file_stem_for(text: str) -> str:
    """A file stem for a certificate named after an address or a common name."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", text.replace("@", "_at_")).strip("._-")
    return stem[:100] or "certificate"
