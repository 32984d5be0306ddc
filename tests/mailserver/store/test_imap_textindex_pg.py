"""The deferred trigram index of message text on PostgreSQL: delivered text is `pending` (outside the partial GIN
indexes) until the background indexer reaches it, and SEARCH is exact before, during and after."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from mailserver.store import Store
from mailserver.store.imap_criteria import Not, TextContains
from mailserver.store.imapview import ImapView
from tests.mailserver.store.imap_corpus import (
    expunge_half_indexed,
    fill,
    inbox_id,
    mailbox,
    message_bytes,
    new_message,
    scalar,
    search_text,
)


@pytest.fixture
def pg_store(store: Store) -> Store:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite defers its FTS5 index with a watermark (test_imap_textindex)")
    return store


LZ4_AVAILABLE = "SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"


async def _pending(store: Store) -> int:
    return await scalar(store, "SELECT count(*) FROM message_text WHERE pending")


async def test_search_finds_text_before_and_after_it_is_indexed(pg_store: Store) -> None:
    store, view = pg_store, ImapView(pg_store)
    box = await mailbox(store)
    inbox = await inbox_id(view, box.id)
    store.mail.pause_indexing()
    await fill(store, box.id, 3)
    assert await _pending(store) == 3
    assert await search_text(view, inbox, "patient numéro 1") == [2]  # pending: tested without the index
    await store.mail.index_text()
    assert await _pending(store) == 0
    await fill(store, box.id, 2, start=3)
    assert await _pending(store) == 2
    assert await search_text(view, inbox, "patient numéro 1") == [2]  # indexed
    assert await search_text(view, inbox, "patient numéro 4") == [5]  # pending
    assert await search_text(view, inbox, "numéro") == [1, 2, 3, 4, 5]  # both at once, in UID order
    assert (await view.search.search(inbox, Not(TextContains("numéro 4")))).uids.tolist() == [1, 2, 3, 4]


async def test_the_gin_indexes_hold_only_the_indexed_rows(pg_store: Store) -> None:
    store = pg_store
    box = await mailbox(store)
    store.mail.pause_indexing()
    await fill(store, box.id, 2)
    probe = (
        "SELECT count(*) FROM message_text WHERE NOT pending AND body_text LIKE '%patient%'"  # the partial GIN's rows
    )
    async with store.engine.begin() as conn:
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(r[0] for r in await conn.execute(text(f"EXPLAIN {probe}")))
    assert "fts_message_text_body_text" in plan
    assert await scalar(store, probe) == 0
    await store.mail.index_text()
    assert await scalar(store, probe) == 2


async def test_the_background_indexer_catches_up_once_deliveries_pause(pg_store: Store) -> None:
    store = pg_store
    box = await mailbox(store)
    await fill(store, box.id, 4)
    for _ in range(100):
        if await _pending(store) == 0:
            break
        await asyncio.sleep(0.05)
    assert await _pending(store) == 0


async def test_deleting_pending_and_indexed_text(pg_store: Store) -> None:
    store, view = pg_store, ImapView(pg_store, clock=lambda: datetime.now(UTC) + timedelta(hours=1))
    box = await mailbox(store)
    inbox = await inbox_id(view, box.id)
    await expunge_half_indexed(store, view, box.id, inbox)
    assert await scalar(store, "SELECT count(*) FROM message_text") == 0
    await store.mail.index_text()


async def test_a_search_row_added_later_for_a_stored_message_is_pending_then_indexed(pg_store: Store) -> None:
    """The outbound queue stores messages without search rows; a local delivery of the same bytes adds them."""
    store, view = pg_store, ImapView(pg_store)
    box = await mailbox(store)
    other = await mailbox(store, "dr.autre@example.test")
    store.mail.pause_indexing()
    await fill(store, box.id, 1)
    await store.mail.index_text()
    async with store.engine.begin() as conn:
        await conn.execute(text("DELETE FROM message_text"))
        await conn.execute(text("DELETE FROM message_search"))
    await store.mail.deliver(new_message(message_bytes(0)), [other.id])
    assert await _pending(store) == 1
    assert await search_text(view, await inbox_id(view, other.id), "patient numéro 0") == [1]
    await store.mail.index_text()
    assert await _pending(store) == 0
    assert await search_text(view, await inbox_id(view, other.id), "patient numéro 0") == [1]


async def test_the_text_columns_compress_with_lz4(pg_store: Store) -> None:
    """Migration 0340: lz4 costs about half of pglz's CPU per stored text (when the server has lz4)."""
    async with pg_store.engine.connect() as conn:
        lz4 = (await conn.execute(text(LZ4_AVAILABLE))).scalar_one()
        methods = dict(
            (
                await conn.execute(
                    text(
                        "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = 'message_text'::regclass "
                        "AND attname IN ('header_text', 'body_text')"
                    )
                )
            ).all()
        )
    if not lz4:
        pytest.skip("this PostgreSQL was built without lz4: the migration keeps pglz")
    assert methods == {"header_text": b"l", "body_text": b"l"}  # "char" comes back as bytes
