"""Garbage collection: unreferenced messages and blobs go, referenced ones and young ones stay."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mailserver.store import Store
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imap_gc import GarbageCollector, collect_periodically
from mailserver.store.imap_schema import message_search, message_text
from mailserver.store.imapview import ImapView
from mailserver.store.schema import blobs, deliveries, messages
from tests.mailserver.store.imap_corpus import fill, inbox_id, mailbox

LATER = datetime.now(UTC) + timedelta(hours=1)


async def _count(store: Store, table) -> int:  # type: ignore[no-untyped-def]
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_expunged_messages_are_collected_and_kept_ones_stay(store: Store) -> None:
    view = ImapView(store, clock=lambda: LATER)
    box = await mailbox(store)
    await fill(store, box.id, 4)
    inbox = await inbox_id(view, box.id)
    archive = await view.directory.folder(box.id, "Archive")
    await view.copier.copy(inbox, [(1, 1)], archive.id)  # message 1 lives on in Archive
    await view.flags.store(inbox, [(1, 2)], FlagOperation.ADD, ["\\Deleted"])
    await view.flags.expunge(inbox)
    report = await view.gc.collect()
    assert (report.messages, report.blobs, report.deliveries) == (1, 1, 2)
    assert (await _count(store, messages), await _count(store, blobs), await _count(store, deliveries)) == (3, 3, 2)
    assert await _count(store, message_search) == await _count(store, message_text) == 3
    rows = await view.messages.fetch(archive.id, [(1, 1)])
    assert len(await view.messages.bodies([r.message_id for r in rows])) == 1


async def test_young_garbage_waits_for_the_grace_period(store: Store) -> None:
    view = ImapView(store)  # real clock: everything was made just now
    box = await mailbox(store)
    await fill(store, box.id, 2)
    await view.folders.delete(box.id, "Junk")
    inbox = await inbox_id(view, box.id)
    await view.flags.store(inbox, [(1, 2)], FlagOperation.ADD, ["\\Deleted"])
    await view.flags.expunge(inbox)
    assert (await view.gc.collect()).messages == 0
    assert await _count(store, messages) == 2


async def test_collected_messages_leave_the_full_text_index(store: Store) -> None:
    from mailserver.store.imap_criteria import TextContains

    view = ImapView(store, clock=lambda: LATER)
    box = await mailbox(store)
    await fill(store, box.id, 3)
    inbox = await inbox_id(view, box.id)
    await view.flags.store(inbox, [(1, 3)], FlagOperation.ADD, ["\\Deleted"])
    await view.flags.expunge(inbox)
    await view.gc.collect()
    await fill(store, box.id, 1, start=50)  # may reuse a collected message id on SQLite
    found = await view.search.search(inbox, TextContains("patient numéro 1 "))
    assert found.uids.tolist() == []
    assert (await view.search.search(inbox, TextContains("numéro 50"))).uids.tolist() == [4]


async def test_the_background_collector_removes_expunged_bytes_until_stopped(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """What `caducee serve` runs every `store.gc_interval` seconds (runtime.collect_garbage)."""
    view = ImapView(store)
    box = await mailbox(store)
    await fill(store, box.id, 2)
    inbox = await inbox_id(view, box.id)
    await view.flags.store(inbox, [(1, 1)], FlagOperation.ADD, ["\\Deleted"])
    await view.flags.expunge(inbox)
    caplog.set_level(logging.INFO, logger="mailserver.store.imap_gc")
    stop = asyncio.Event()
    task = asyncio.create_task(collect_periodically(GarbageCollector(store.engine, lambda: LATER), 0.05, stop))
    for _ in range(200):
        if await _count(store, blobs) == 1:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 2)  # it returns once told to stop, after the run under way has finished
    assert (await _count(store, messages), await _count(store, blobs)) == (1, 1)
    assert any(r.getMessage() == "garbage collected" and r.messages == 1 for r in caplog.records)  # type: ignore[attr-defined]
