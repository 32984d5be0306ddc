"""The pharmacy fact of the patient rules (DOMAIN.md §6: a patient may write to a pharmacy's ORG mailbox).

Owns how delivery learns that an address is a pharmacy: the `Pharmacies` protocol, answered by the directory.
Our rule (unconfirmed nationally): an ORG mailbox whose directory entry carries profession code 21 (Pharmacien,
TRE_G15), or whose organisation (legal or trade name) or description names a pharmacy ("pharmacie"), since the
national extraction's ORG lines often carry no professional. `DirectoryPharmacies` answers from the directory;
`KnownPharmacies` holds a fixed set (tests); `NoPharmacies` answers no (patients can then only reply).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from directory.normalise import fold
from directory.records import MailboxEntry

PHARMACIST_PROFESSION_CODE = "21"


class Pharmacies(Protocol):
    async def is_pharmacy(self, address: str) -> bool:
        """Whether `address` (normalised) is the ORG mailbox of a pharmacy."""
        ...


class NoPharmacies:
    async def is_pharmacy(self, address: str) -> bool:
        return False


class KnownPharmacies:
    def __init__(self, addresses: Iterable[str]) -> None:
        self._addresses = frozenset(a.strip().lower() for a in addresses)

    async def is_pharmacy(self, address: str) -> bool:
        return address.strip().lower() in self._addresses


def is_pharmacy_entry(mailbox_type: str, profession_code: str, *names: str) -> bool:
    """The rule a directory-backed `Pharmacies` applies to an entry (names: organisation names, description)."""
    if mailbox_type != "ORG":
        return False
    if profession_code.strip() == PHARMACIST_PROFESSION_CODE:
        return True
    return any("pharmacie" in fold(name) for name in names if name)


class DirectoryPharmacies:
    """Asks the practitioner directory (national import and local mailboxes alike) through `lookup`,
    which is `functools.partial(directory.search.get_by_address, engine)` in the server."""

    def __init__(self, lookup: Callable[[str], Awaitable[MailboxEntry | None]]) -> None:
        self._lookup = lookup

    async def is_pharmacy(self, address: str) -> bool:
        entry = await self._lookup(address.strip().lower())
        if entry is None or entry.gone_at is not None:
            return False
        profession = entry.profession_code or (entry.practitioner.profession_code if entry.practitioner else "")
        org = entry.organisation
        names = (org.legal_name, org.trade_name) if org else ()
        return is_pharmacy_entry(entry.type, profession, *names, entry.description, entry.service)
