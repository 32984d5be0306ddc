"""The RCPT mailbox cache keeps only active professional mailboxes, briefly; everything else is read each time."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from mailserver.delivery.mailbox_cache import MailboxCache
from mailserver.store import Store
from mailserver.store.schema import mailboxes


async def test_a_new_mailbox_is_found_at_once_and_a_hit_is_served_until_the_ttl(store: Store) -> None:
    now = [0.0]
    cache = MailboxCache(store.accounts, ttl=5.0, clock=lambda: now[0])
    assert await cache.get("cardio@example.test") is None
    await store.accounts.create_mailbox("cardio@example.test", "ORG")
    assert (await cache.get("Cardio@example.test")) is not None  # a miss is never cached
    async with store.engine.begin() as conn:
        await conn.execute(update(mailboxes).values(status="disabled"))
    assert (await cache.get("cardio@example.test")).status == "active"  # type: ignore[union-attr]
    now[0] = 5.1
    assert (await cache.get("cardio@example.test")).status == "disabled"  # type: ignore[union-attr]
    assert (await cache.get("cardio@example.test")).status == "disabled"  # type: ignore[union-attr]


async def test_patient_mailboxes_are_never_cached(store: Store) -> None:
    await store.accounts.add_patient(
        "279035121518989",
        "patient.example.test",
        birth_name="DUPONT",
        first_names="Marie",
        birth_date=date(1979, 3, 5),
        sex="F",
    )
    cache = MailboxCache(store.accounts, clock=lambda: 0.0)
    assert await cache.get("279035121518989@patient.example.test") is not None
    assert cache._entries == {}
