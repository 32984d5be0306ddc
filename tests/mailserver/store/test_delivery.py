"""Delivery: stored once by content, a row per recipient folder, idempotent redelivery, group commit."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from mailserver.store import Store, utcnow
from mailserver.store.mail import NewMessage
from mailserver.store.schema import blobs, folder_messages, messages


def _msg(n: int) -> NewMessage:
    raw = f"From: a@example.test\r\nSubject: n{n}\r\nMessage-ID: <{n}@example.test>\r\n\r\nbody {n}\r\n".encode()
    return NewMessage(raw, "{}", f"<{n}@example.test>", utcnow())


async def _count(store: Store, table) -> int:  # type: ignore[no-untyped-def]
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_one_message_to_three_mailboxes_is_stored_once_with_three_folder_rows(store: Store) -> None:
    boxes = [await store.accounts.create_mailbox(f"u{i}@example.test", "ORG") for i in range(3)]
    delivered = await store.mail.deliver(_msg(1), [b.id for b in boxes])
    assert [d.uid for d in delivered] == [1, 1, 1]
    assert (await _count(store, blobs), await _count(store, messages), await _count(store, folder_messages)) == (
        1,
        1,
        3,
    )


async def test_uids_and_modseqs_grow_per_folder(store: Store) -> None:
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    first = (await store.mail.deliver(_msg(1), [box.id]))[0]
    second = (await store.mail.deliver(_msg(2), [box.id]))[0]
    assert (second.uid, second.modseq) == (first.uid + 1, first.modseq + 1)
    inbox = next(f for f in await store.mail.folders_of(box.id) if f.name == "INBOX")
    assert (inbox.uidnext, inbox.highestmodseq) == (3, second.modseq)


async def test_a_redelivery_of_the_same_bytes_is_recognised_not_stored_twice(store: Store) -> None:
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    first = (await store.mail.deliver(_msg(1), [box.id]))[0]
    again = (await store.mail.deliver(_msg(1), [box.id]))[0]
    assert again.duplicate and (again.uid, again.folder_id) == (first.uid, first.folder_id)
    assert await _count(store, folder_messages) == 1


async def test_append_of_the_same_bytes_makes_a_second_copy(store: Store) -> None:
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    await store.mail.append(box.id, "Sent", _msg(1))
    second = await store.mail.append(box.id, "Sent", _msg(1))
    assert second.uid == 2 and not second.duplicate
    assert await _count(store, messages) == 1


async def test_concurrent_deliveries_share_commits_and_all_land(store: Store) -> None:
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    commits: list[list[tuple[int, int]]] = []
    store.mail.subscribe(commits.append)
    results = await asyncio.gather(*(store.mail.deliver(_msg(n), [box.id]) for n in range(50)))
    uids = sorted(r[0].uid for r in results)
    assert uids == list(range(1, 51))
    assert await _count(store, folder_messages) == 50
    assert sum(len(c) for c in commits) == 50


async def test_a_failing_delivery_does_not_fail_the_others_in_its_batch(store: Store) -> None:
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    good = [store.mail.deliver(_msg(n), [box.id]) for n in range(5)]
    bad = store.mail.deliver(_msg(99), [box.id], folder="Nope")
    results = await asyncio.gather(*good, bad, return_exceptions=True)
    assert [type(r).__name__ for r in results[:5]] == ["list"] * 5
    assert type(results[5]).__name__ == "NotFound"
    assert await _count(store, folder_messages) == 5
