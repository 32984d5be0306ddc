"""The pharmacy fact of the patient rules (DOMAIN.md §6: a patient may write to a pharmacy's ORG mailbox).

Owns how delivery learns that an address is a pharmacy: the `Pharmacies` protocol, answered by the directory.
Our definition: an ORG mailbox whose directory entry carries profession code 21 (Pharmacien, TRE_G15), the code
the national extraction gives pharmacies' mailboxes (unconfirmed for every operator). `KnownPharmacies` holds a
fixed set (configuration or tests); `NoPharmacies` is the safe default until the directory answers: no address
is a pharmacy, so patients can only reply. Never looks anything up by itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

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


def is_pharmacy_entry(mailbox_type: str, profession_code: str) -> bool:
    """The rule a directory-backed `Pharmacies` applies to an entry."""
    return mailbox_type == "ORG" and profession_code.strip() == PHARMACIST_PROFESSION_CODE
