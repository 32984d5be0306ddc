"""Accounts: mailboxes with default folders, argon2id passwords, delegations, patients."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from mailserver.errors import AlreadyExists, NotFound, UsageError
from mailserver.store import Store
from mailserver.store.records import DEFAULT_FOLDERS
from mailserver.store.schema import credentials


async def test_a_new_mailbox_has_the_special_use_folders(store: Store) -> None:
    box = await store.accounts.create_mailbox("Dr.House@Example.test", "PER", national_id="810000000001")
    assert box.address == "dr.house@example.test"
    folders = await store.mail.folders_of(box.id)
    assert {(f.name, f.special_use) for f in folders} == set(DEFAULT_FOLDERS)
    assert len({f.uidvalidity for f in folders}) == len(folders)
    assert all(f.uidnext == 1 for f in folders)


async def test_addresses_are_unique_and_domains_must_be_ours(store: Store) -> None:
    await store.accounts.create_mailbox("a@example.test", "ORG")
    with pytest.raises(AlreadyExists):
        await store.accounts.create_mailbox("A@example.test", "ORG")
    with pytest.raises(NotFound):
        await store.accounts.create_mailbox("a@elsewhere.test", "ORG")
    with pytest.raises(UsageError):
        await store.accounts.create_mailbox("p@patient.example.test", "PER")
    with pytest.raises(UsageError):
        await store.accounts.create_mailbox("nobody", "PER")


async def test_password_is_stored_as_argon2id_and_checked(store: Store) -> None:
    await store.accounts.create_mailbox("a@example.test", "ORG")
    await store.accounts.set_password("a@example.test", "correct horse battery")
    async with store.engine.connect() as conn:
        digest = (await conn.execute(select(credentials.c.password_hash))).scalar_one()
    assert digest.startswith("$argon2id$") and "correct" not in digest
    assert (await store.accounts.check_password("A@example.test", "correct horse battery")) is not None
    assert await store.accounts.check_password("a@example.test", "wrong horse battery") is None
    assert await store.accounts.check_password("ghost@example.test", "correct horse battery") is None


async def test_short_passwords_are_refused(store: Store) -> None:
    await store.accounts.create_mailbox("a@example.test", "ORG")
    with pytest.raises(UsageError, match="12 characters"):
        await store.accounts.set_password("a@example.test", "short")


async def test_delegation_gives_a_person_the_shared_mailbox(store: Store) -> None:
    await store.accounts.create_mailbox("dr.house@example.test", "PER", national_id="810000000001")
    await store.accounts.create_mailbox("cardio@example.test", "ORG")
    await store.accounts.delegate("dr.house@example.test", "cardio@example.test")
    mine = await store.accounts.mailboxes_of_person("810000000001")
    assert [m.address for m in mine] == ["dr.house@example.test", "cardio@example.test"]
    assert [d.mailbox for d in await store.accounts.delegations_of("dr.house@example.test")] == ["cardio@example.test"]
    await store.accounts.create_mailbox("his@example.test", "APP")
    with pytest.raises(UsageError):
        await store.accounts.delegate("dr.house@example.test", "his@example.test")


async def test_patient_lifecycle(store: Store) -> None:
    p = await store.accounts.add_patient(
        "279035121518989",
        "patient.example.test",
        birth_name="DUPONT",
        first_names="Marie Louise",
        birth_date=date(1979, 3, 5),
        sex="F",
    )
    assert p.address == "279035121518989@patient.example.test"
    assert (await store.accounts.get_mailbox(p.address)).type == "PAT"  # type: ignore[union-attr]
    with pytest.raises(AlreadyExists) as err:
        await store.accounts.add_patient(
            "279035121518989",
            "patient.example.test",
            birth_name="X",
            first_names="Y",
            birth_date=date(1979, 3, 5),
            sex="F",
        )
    assert "279035121518989" not in err.value.client_text
    assert (await store.accounts.set_patient_status("279035121518989", "opposed")).status == "opposed"
    assert [x.status for x in await store.accounts.list_patients()] == ["opposed"]
