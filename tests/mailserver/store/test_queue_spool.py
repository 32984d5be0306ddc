"""The outbound spool on SQLite and PostgreSQL: stored once and sealed, claimed under a lease that a crash leaves
behind (never a deletion), outcomes only by the lease holder, and the message collected with its last recipient."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from mailserver.store import Store
from mailserver.store.blobs import BlobCipher
from mailserver.store.mail import NewMessage
from mailserver.store.queue import Spool, SpoolRecipient
from mailserver.store.schema import blobs, messages

RAW = b"From: dr.a@example.test\r\nTo: bob@b.test\r\nSubject: s\r\n\r\nConfidentiel patient\r\n"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _spool(store: Store, blob_keys: Path, clock: Clock) -> Spool:
    return Spool(store.engine, BlobCipher.from_file(blob_keys), clock)


def _message(raw: bytes = RAW) -> NewMessage:
    return NewMessage(raw, "{}", None, datetime(2026, 1, 5, tzinfo=UTC))


async def _count(store: Store, table: object) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_enqueued_message_is_stored_once_sealed_with_a_row_per_recipient(store: Store, blob_keys: Path) -> None:
    spool = _spool(store, blob_keys, Clock())
    await spool.enqueue(_message(), "dr.a@example.test", [SpoolRecipient("bob@b.test"), SpoolRecipient("eve@c.test")])
    assert [e.address for e in await spool.pending()] == ["bob@b.test", "eve@c.test"]
    assert await _count(store, blobs) == 1
    async with store.engine.connect() as conn:
        data = (await conn.execute(select(blobs.c.data))).scalar_one()
    assert b"Confidentiel" not in data  # encrypted at rest


async def test_the_same_bytes_queued_and_delivered_locally_share_one_message_row(store: Store, blob_keys: Path) -> None:
    box = await store.accounts.create_mailbox("dr.a@example.test", "PER", national_id="810001234567")
    spool = _spool(store, blob_keys, Clock())
    await spool.enqueue(_message(), "dr.a@example.test", [SpoolRecipient("bob@b.test")])
    await store.mail.deliver(_message(), [box.id])
    assert await _count(store, messages) == 1
    (claim,) = await spool.claim_due(10, 60)
    await spool.finish([claim])
    assert await _count(store, messages) == 1  # the mailbox still holds it


async def test_finished_message_and_its_blob_are_collected(store: Store, blob_keys: Path) -> None:
    spool = _spool(store, blob_keys, Clock())
    await spool.enqueue(_message(), "dr.a@example.test", [SpoolRecipient("bob@b.test"), SpoolRecipient("eve@c.test")])
    claims = await spool.claim_due(10, 60)
    assert await spool.read(claims[0].message_id) == RAW
    await spool.finish(claims[:1])
    assert await _count(store, blobs) == 1
    await spool.finish(claims[1:])
    assert await spool.pending() == []
    assert await _count(store, blobs) == 0 and await _count(store, messages) == 0


async def test_a_claimed_recipient_is_not_claimed_again_until_its_lease_ends(store: Store, blob_keys: Path) -> None:
    clock = Clock()
    spool = _spool(store, blob_keys, clock)
    await spool.enqueue(_message(), "dr.a@example.test", [SpoolRecipient("bob@b.test")])
    assert len(await spool.claim_due(10, 600)) == 1
    assert await spool.claim_due(10, 600) == []
    clock.now += timedelta(seconds=601)  # the claimer died: its lease ran out, the row is still there
    (again,) = await spool.claim_due(10, 600)
    assert again.address == "bob@b.test"


async def test_only_the_lease_holder_writes_the_outcome(store: Store, blob_keys: Path) -> None:
    clock = Clock()
    spool = _spool(store, blob_keys, clock)
    await spool.enqueue(_message(), "dr.a@example.test", [SpoolRecipient("bob@b.test")])
    (stale,) = await spool.claim_due(10, 60)
    clock.now += timedelta(seconds=61)
    (current,) = await spool.claim_due(10, 60)
    await spool.finish([stale])
    assert len(await spool.pending()) == 1
    await spool.finish([current])
    assert await spool.pending() == []


async def test_concurrent_claimers_never_get_the_same_recipient(store: Store, blob_keys: Path) -> None:
    spool = _spool(store, blob_keys, Clock())
    for n in range(20):
        await spool.enqueue(_message(RAW + str(n).encode()), "dr.a@example.test", [SpoolRecipient(f"r{n}@b.test")])
    batches = await asyncio.gather(*(spool.claim_due(5, 60) for _ in range(6)))
    ids = [c.id for batch in batches for c in batch]
    assert len(ids) == 20 and len(set(ids)) == 20


async def test_deferred_recipient_counts_the_attempt_and_waits(store: Store, blob_keys: Path) -> None:
    clock = Clock()
    spool = _spool(store, blob_keys, clock)
    await spool.enqueue(_message(), "dr.a@example.test", [SpoolRecipient("bob@b.test", "SUCCESS", "rfc822;bob@b.test")])
    (claim,) = await spool.claim_due(10, 60)
    assert (claim.notify, claim.orcpt) == ("SUCCESS", "rfc822;bob@b.test")
    await spool.defer([claim], clock.now + timedelta(minutes=5), "451 4.3.0 try later")
    assert await spool.claim_due(10, 60) == []
    (entry,) = await spool.pending()
    assert (entry.attempts, entry.last_error, entry.leased) == (1, "451 4.3.0 try later", False)
    assert await spool.retry_now() == 1
    (again,) = await spool.claim_due(10, 60)
    assert again.attempts == 1


async def test_removed_recipient_leaves_nothing_behind(store: Store, blob_keys: Path) -> None:
    spool = _spool(store, blob_keys, Clock())
    await spool.enqueue(_message(), "dr.a@example.test", [SpoolRecipient("bob@b.test")])
    (entry,) = await spool.pending()
    await spool.remove(entry.id)
    assert await spool.pending() == [] and await _count(store, blobs) == 0
