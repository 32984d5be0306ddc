"""Group commit: several deliveries in one batch store exactly what they would have stored one after another.

PostgreSQL stores a batch in a few set-based statements, SQLite message after message: both must agree on
duplicates, shared message rows, and each folder's UIDs and modseqs. Deliveries started together (gather) share
one batch, which the messages' common `created_at` (one clock reading per batch) shows.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mailserver.store import Store, utcnow
from mailserver.store.blobs import BlobCipher, generate_key_file
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imap_schema import message_search, message_text
from mailserver.store.imapview import ImapView
from mailserver.store.mail import MailStore, NewMessage
from mailserver.store.records import Delivered
from mailserver.store.schema import blobs, deliveries, folder_messages, messages


def _msg(n: int, body: str = "") -> NewMessage:
    raw = f"From: a@example.test\r\nSubject: n{n}\r\nMessage-ID: <{n}@example.test>\r\n\r\nbody {n} {body}\r\n"
    return NewMessage(raw.encode(), "{}", f"<{n}@example.test>", utcnow())


async def _count(store: Store, table) -> int:  # type: ignore[no-untyped-def]
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _batches(store: Store) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count(func.distinct(messages.c.created_at))))).scalar_one())


async def _folder(store: Store, mailbox_id: int, name: str = "INBOX") -> tuple[int, int, int]:
    folder = next(f for f in await store.mail.folders_of(mailbox_id) if f.name == name)
    return folder.id, folder.uidnext, folder.highestmodseq


async def test_the_same_message_twice_to_one_mailbox_in_a_batch_is_stored_once(store: Store) -> None:
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    first, again = await asyncio.gather(store.mail.deliver(_msg(1), [box.id]), store.mail.deliver(_msg(1), [box.id]))
    folder_id, _, _ = await _folder(store, box.id)
    assert first == [Delivered(box.id, folder_id, 1, first[0].modseq, False)]
    assert again == [Delivered(box.id, folder_id, 1, first[0].modseq, True)]
    assert (await _count(store, folder_messages), await _count(store, deliveries)) == (1, 1)
    assert await _batches(store) == 1


async def test_the_same_bytes_to_several_mailboxes_in_a_batch_make_one_message(store: Store) -> None:
    a = await store.accounts.create_mailbox("a@example.test", "ORG")
    b = await store.accounts.create_mailbox("b@example.test", "ORG")
    results = await asyncio.gather(
        store.mail.deliver(_msg(1), [a.id]),
        store.mail.deliver(_msg(1), [b.id, a.id]),
        store.mail.append(a.id, "Sent", _msg(1)),
        store.mail.deliver(_msg(2), [b.id]),
    )
    assert [d.duplicate for d in results[0]] == [False]
    assert [(d.mailbox_id, d.duplicate) for d in results[1]] == [(b.id, False), (a.id, True)]
    assert results[1][1] == Delivered(a.id, results[0][0].folder_id, 1, results[0][0].modseq, True)
    assert not results[2].duplicate and results[2].uid == 1
    assert results[3][0].uid == 2  # b's INBOX: after the copy of message 1
    counts = [await _count(store, t) for t in (blobs, messages, message_search, message_text, folder_messages)]
    assert counts == [2, 2, 2, 2, 4]
    assert await _count(store, deliveries) == 3  # (a, 1), (b, 1), (b, 2); the append records none
    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(folder_messages.c.message_id).order_by(folder_messages.c.id))).all()
    assert len({r.message_id for r in rows[:3]}) == 1
    assert await _batches(store) == 1


async def test_uids_and_modseqs_follow_job_order_in_each_folder(store: Store) -> None:
    a = await store.accounts.create_mailbox("a@example.test", "ORG")
    b = await store.accounts.create_mailbox("b@example.test", "ORG")
    await store.mail.deliver(_msg(0), [a.id])
    before = {box: await _folder(store, box) for box in (a.id, b.id)}
    targets = [[a.id], [b.id], [a.id, b.id], [a.id], [b.id], [b.id, a.id]]
    results = await asyncio.gather(*(store.mail.deliver(_msg(n + 1), t) for n, t in enumerate(targets)))
    expected: dict[int, list[tuple[int, int]]] = {a.id: [], b.id: []}
    for result in results:
        for d in result:
            expected[d.mailbox_id].append((d.uid, d.modseq))
            assert not d.duplicate and d.folder_id == before[d.mailbox_id][0]
    for box, (_, uidnext, highestmodseq) in before.items():
        n = len(expected[box])
        assert expected[box] == [(uidnext + k, highestmodseq + 1 + k) for k in range(n)]
        assert await _folder(store, box) == (before[box][0], uidnext + n, highestmodseq + n)
    assert await _batches(store) == 2  # message 0, then the batch


async def test_a_redelivery_after_expunge_in_a_batch_is_stored_again_once(store: Store) -> None:
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    (first,) = await store.mail.deliver(_msg(1), [box.id])
    view = ImapView(store)
    await view.flags.store(first.folder_id, [(1, 1)], FlagOperation.ADD, ["\\Deleted"])
    await view.flags.expunge(first.folder_id)
    again, twice = await asyncio.gather(store.mail.deliver(_msg(1), [box.id]), store.mail.deliver(_msg(1), [box.id]))
    assert not again[0].duplicate and again[0].uid == 2
    assert twice == [Delivered(box.id, first.folder_id, 2, again[0].modseq, True)]
    assert (await _count(store, folder_messages), await _count(store, deliveries)) == (1, 1)
    assert await _count(store, messages) == 1


async def test_a_batch_with_a_missing_folder_still_delivers_the_others_in_order(store: Store) -> None:
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    results = await asyncio.gather(
        store.mail.deliver(_msg(1), [box.id]),
        store.mail.deliver(_msg(2), [box.id], folder="Nope"),
        store.mail.deliver(_msg(3), [box.id]),
        return_exceptions=True,
    )
    assert type(results[1]).__name__ == "NotFound"
    assert [r[0].uid for r in (results[0], results[2])] == [1, 2]  # type: ignore[index]
    assert await _count(store, messages) == 2


async def test_big_batches_deliver_every_message_with_consecutive_uids(store: Store) -> None:
    boxes = [await store.accounts.create_mailbox(f"u{i}@example.test", "ORG") for i in range(3)]
    results = await asyncio.gather(
        *(store.mail.deliver(_msg(n, "x" * (n % 7) * 1000), [boxes[n % 3].id]) for n in range(300))
    )
    for box in boxes:
        uids = [r[0].uid for r in results if r[0].mailbox_id == box.id]
        assert uids == list(range(1, 101))
    assert await _count(store, folder_messages) == 300


async def test_a_lost_postgres_writer_connection_costs_no_delivery(store: Store) -> None:
    """The batch writer keeps its own PostgreSQL connection; when the server drops it, the batch fails, each of
    its jobs is retried alone on a new connection, and every message is stored once."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writer is a local file connection; nothing to lose")
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    await store.mail.deliver(_msg(1), [box.id])
    writer = store.mail._batches._postgres
    assert writer is not None
    async with store.engine.connect() as conn:
        await conn.execute(select(func.pg_terminate_backend(writer.get_server_pid())))
    await asyncio.gather(store.mail.deliver(_msg(2), [box.id]), store.mail.deliver(_msg(3), [box.id]))
    assert store.mail._batches._postgres is not writer
    assert (await _count(store, messages), await _count(store, folder_messages)) == (3, 3)


async def test_the_postgres_writer_finds_rows_by_index_even_in_plans_made_on_small_tables(store: Store) -> None:
    """asyncpg prepares each writer statement once and PostgreSQL then keeps a generic plan: made while the tables
    are small (here: empty), the default planner scans `deliveries`, `blobs` and `folders` whole. The writer's
    connection allows index paths only, so the cost of a batch never grows with the tables."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan cache; SQLite's writer runs plain statements")
    from mailserver.store import mail_postgres

    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    await store.mail.deliver(_msg(1), [box.id])  # opens the writer's connection
    statements = {name: value for name, value in vars(mail_postgres).items() if isinstance(value, mail_postgres._Sql)}
    assert {"_PG_SEEN", "_PG_BY_HASH", "_PG_LOCK_FOLDERS", "_PG_ADVANCE_AND_COPY"} <= set(statements)

    async def plans(conn) -> dict[str, str]:  # type: ignore[no-untyped-def]
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        out = {}
        for name, statement in statements.items():
            await conn.execute(f"PREPARE plan_probe AS {statement.sql}")
            nulls = ", ".join("NULL" for _ in statement.names)
            rows = await conn.fetch(f"EXPLAIN EXECUTE plan_probe ({nulls})")  # plans only: nothing is written
            await conn.execute("DEALLOCATE plan_probe")
            out[name] = "\n".join(row[0] for row in rows)
        return out

    found = await store.mail._batches.run_postgres(plans)
    assert {name: plan for name, plan in found.items() if "Seq Scan" in plan or "Hash Join" in plan} == {}
    assert "Index Scan using pk_deliveries" in found["_PG_SEEN"]


async def test_a_batch_waits_only_for_as_many_deliveries_as_the_last_commit_answered(
    store: Store, tmp_path: Path
) -> None:
    """Adaptive group commit. The delay is long here (30 s): the store would time this test out if it waited for
    it where it must not. A store's first delivery commits at once; a batch then waits for as many deliveries
    as the last commit answered (their sessions send the next ones), and commits as soon as they are in."""
    generate_key_file(tmp_path / "blob.keys")
    mail = MailStore(store.engine, BlobCipher.from_file(tmp_path / "blob.keys"), utcnow, commit_delay=30.0)
    box = await store.accounts.create_mailbox("u@example.test", "ORG")
    try:
        await asyncio.wait_for(mail.deliver(_msg(0), [box.id]), 10)  # nothing answered before: no wait
        await asyncio.wait_for(asyncio.gather(*(mail.deliver(_msg(n), [box.id]) for n in (1, 2, 3))), 10)
        assert await _batches(store) == 2
        lone = asyncio.create_task(mail.deliver(_msg(4), [box.id]))
        await asyncio.sleep(0.2)
        assert not lone.done()  # the last commit answered three: it waits for two more
        await asyncio.wait_for(asyncio.gather(lone, *(mail.deliver(_msg(n), [box.id]) for n in (5, 6))), 10)
        assert await _batches(store) == 3
        assert (await _folder(store, box.id))[1] == 8  # UIDs 1 to 7
    finally:
        await mail.aclose()
