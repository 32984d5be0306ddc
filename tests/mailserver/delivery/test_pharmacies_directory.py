"""Pharmacies are recognised from the directory: local mailboxes created by the admin service, and national entries."""

from __future__ import annotations

import functools

from directory.search import get_by_address
from mailserver.admin.mailboxes import add_mailbox
from mailserver.delivery.pharmacies import DirectoryPharmacies, is_pharmacy_entry
from mailserver.store import Store


async def test_local_mailboxes_reach_the_directory_and_pharmacies_are_recognised(store: Store) -> None:
    await add_mailbox(store, "pharmacie.centre@example.test", "ORG", name="Pharmacie du Centre")
    await add_mailbox(store, "officine@example.test", "ORG", name="Officine Martin", profession="21")
    await add_mailbox(store, "cardio@example.test", "ORG", name="Service de cardiologie")
    await add_mailbox(store, "dr.who@example.test", "PER", name="Dr Who", rpps="10003456789", profession="10")
    entry = await get_by_address(store.engine, "cardio@example.test")
    assert entry is not None and entry.is_local and entry.type == "ORG"
    pharmacies = DirectoryPharmacies(functools.partial(get_by_address, store.engine))
    assert await pharmacies.is_pharmacy("Pharmacie.Centre@example.test")
    assert await pharmacies.is_pharmacy("officine@example.test")
    assert not await pharmacies.is_pharmacy("cardio@example.test")
    assert not await pharmacies.is_pharmacy("dr.who@example.test")
    assert not await pharmacies.is_pharmacy("unknown@example.test")


def test_the_rule_table() -> None:
    cases = [
        (("ORG", "21"), True),
        (("ORG", "", "PHARMACIE DE LA GARE"), True),
        (("ORG", "", "SELARL Pharmacie Saint-Jean"), True),
        (("ORG", "", "Laboratoire d'analyses"), False),
        (("PER", "21"), False),
        (("APP", "21", "Pharmacie"), False),
        (("CAB", "", "pharmacie"), False),
    ]
    for args, expected in cases:
        assert is_pharmacy_entry(*args) is expected, args
