"""The national whitelist format (DOMAIN.md §1): `ListeBlancheMSSante/DateDeGeneration`, then
`ListeDomaines/Domaine*`, each with `Nom`, `Description`, `DNCertificatOperateur`, contacts and `DateMAJ`.

Owns parsing a whitelist document into entries, streaming with `xml.etree.ElementTree.iterparse` (elements are
freed as they are read; the 3.7 MB national file holds 6,500+ entries). Domains are lower-cased, DNs kept as
published with their comparison key (`mailserver.crypto.names.normalise_dn`). A document that is not well-formed
(a truncated download), has no entry, or declares a DTD (entity tricks) is refused with `WhitelistError`; an entry
without a domain or a DN is skipped and reported. One defect is tolerated because the national file has it: the
published document ends after `</ListeDomaines>` without closing its root element. A download cut anywhere
else (inside the list of domains) is still refused. Never fetches, never writes, never decides trust.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from mailserver.crypto.names import normalise_dn
from mailserver.errors import CaduceeError
from mailserver.store.trust import TrustEntry

ROOT = "ListeBlancheMSSante"
_DOMAIN = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")
_FIELDS = {"Nom", "Description", "DNCertificatOperateur", "DateMAJ"}


class WhitelistError(CaduceeError):
    """The document is not a usable whitelist; the list in force stays."""

    exit_code = 1


@dataclass(frozen=True)
class Whitelist:
    generated_at: str  # DateDeGeneration as published
    entries: tuple[TrustEntry, ...]
    domain_elements: int  # <Domaine> elements read, including skipped ones
    skipped: tuple[str, ...]  # why entries were left out ("entry 12: no DNCertificatOperateur")

    @property
    def domains(self) -> frozenset[str]:
        return frozenset(e.domain for e in self.entries)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse_whitelist(data: bytes) -> Whitelist:
    """Parse a whitelist document; WhitelistError if it is malformed, truncated or holds no entry."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise WhitelistError("the whitelist declares a DTD or entities; refused")
    entries: list[TrustEntry] = []
    skipped: list[str] = []
    generated_at: str | None = None
    count = 0
    depth = 0
    current: dict[str, str] | None = None
    list_closed = False
    keys: dict[str, str] = {}  # operators publish the same DN for hundreds of domains: normalise each once
    try:
        # S314: DTDs and entity declarations are refused above, and expat never fetches external entities.
        for event, element in ET.iterparse(io.BytesIO(data), events=("start", "end")):  # noqa: S314
            name = _local(element.tag)
            if event == "start":
                depth += 1
                if depth == 1 and name != ROOT:
                    raise WhitelistError(f"not an MSSante whitelist (root element {name!r})")
                if name == "Domaine":
                    current = {}
                continue
            depth -= 1
            if name == "ListeDomaines" and depth == 1:
                list_closed = True
            elif name == "DateDeGeneration" and depth == 1:
                generated_at = (element.text or "").strip()
            elif current is not None and name in _FIELDS:
                current[name] = " ".join((element.text or "").split())
            elif name == "Domaine" and current is not None:
                count += 1
                entry, problem = _entry(current, count, keys)
                if entry is not None:
                    entries.append(entry)
                else:
                    skipped.append(problem)
                current = None
                element.clear()
    except ET.ParseError as exc:
        if not (list_closed and _only_root_left_open(data)):
            raise WhitelistError(f"the whitelist is not well-formed XML ({exc}); truncated or damaged") from None
    if generated_at is None:
        raise WhitelistError("the whitelist has no DateDeGeneration")
    if not entries:
        raise WhitelistError("the whitelist holds no usable entry")
    return Whitelist(generated_at, tuple(entries), count, tuple(skipped))


def _only_root_left_open(data: bytes) -> bool:
    """The national file's quirk: nothing but blanks after `</ListeDomaines>`, the root element left open."""
    return data.rstrip().endswith(b"</ListeDomaines>")


def _entry(fields: dict[str, str], number: int, keys: dict[str, str]) -> tuple[TrustEntry | None, str]:
    domain = fields.get("Nom", "").strip().rstrip(".").lower()
    dn = fields.get("DNCertificatOperateur", "").strip()
    if not domain:
        return None, f"entry {number}: no Nom"
    if not _DOMAIN.fullmatch(domain):
        return None, f"entry {number}: {domain[:80]!r} is not a domain name"
    if not dn:
        return None, f"entry {number} ({domain}): no DNCertificatOperateur"
    key = keys.get(dn)
    if key is None:
        key = keys[dn] = normalise_dn(dn)
    if not key:
        return None, f"entry {number} ({domain}): unreadable DNCertificatOperateur"
    return TrustEntry(domain, dn, key, fields.get("Description", ""), fields.get("DateMAJ", "")), ""
