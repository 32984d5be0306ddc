"""The deferred trigram index of message text (SQLite): SEARCH is exact before, during and after indexing, the
watermark only moves over indexed rows, and deleting unindexed text never corrupts the FTS5 index. On both
backends: the body text is extracted from the blob after the commit."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import text

from mailserver import store as store_package
from mailserver.store import Store, imap_search
from mailserver.store.imap_criteria import FieldContains, Not, TextContains, TextField
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
def sqlite_store(store: Store) -> Store:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL defers its GIN indexes with a pending flag (test_imap_textindex_pg)")
    return store


async def _indexed_ids(store: Store) -> list[int]:
    """The messages the index itself holds (a MATCH reads the index; a plain scan would read the content table).
    Every test message says "patient"."""
    query = text("SELECT rowid FROM fts_message_text WHERE fts_message_text MATCH '\"patient\"' ORDER BY rowid")
    async with store.engine.connect() as conn:
        return [int(r[0]) for r in await conn.execute(query)]


async def _check(store: Store, fts: str, *, with_content: bool) -> None:
    """FTS5's own check of the table `fts` (it raises "database disk image is malformed"): the index is consistent
    in itself, and with `with_content`, with every row of its content table."""
    check = f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', :with_content)"  # noqa: S608 (our tables)
    async with store.engine.begin() as conn:
        await conn.execute(text(check), {"with_content": int(with_content)})


async def _integrity(store: Store) -> None:
    """The text index is sound in itself, and, once the indexer has caught up, holds every row of the content."""
    await _check(store, "fts_message_text", with_content=False)
    await store.mail.index_text()
    await _check(store, "fts_message_text", with_content=True)


async def test_search_finds_text_before_and_after_it_is_indexed(sqlite_store: Store) -> None:
    store, view = sqlite_store, ImapView(sqlite_store)
    box = await mailbox(store)
    inbox = await inbox_id(view, box.id)
    store.mail.pause_indexing()
    await fill(store, box.id, 3)
    assert await scalar(store, "SELECT upto FROM fts_text_progress") == 0
    assert await _indexed_ids(store) == []
    assert await search_text(view, inbox, "patient numéro 1") == [2]  # the tail, tested with instr()
    await store.mail.index_text()
    top = await scalar(store, "SELECT max(message_id) FROM message_text")
    assert await scalar(store, "SELECT upto FROM fts_text_progress") == top
    assert len(await _indexed_ids(store)) == 3
    await fill(store, box.id, 2, start=3)  # two more, above the watermark
    assert await search_text(view, inbox, "patient numéro 1") == [2]  # the index
    assert await search_text(view, inbox, "patient numéro 4") == [5]  # the tail
    assert await search_text(view, inbox, "numéro") == [1, 2, 3, 4, 5]  # both at once, in UID order
    await _integrity(store)


async def test_the_background_indexer_catches_up_once_deliveries_pause(sqlite_store: Store) -> None:
    store = sqlite_store
    box = await mailbox(store)
    await fill(store, box.id, 4)
    top = await scalar(store, "SELECT max(message_id) FROM message_text")
    for _ in range(100):
        if await scalar(store, "SELECT upto FROM fts_text_progress") == top:
            break
        await asyncio.sleep(0.05)
    assert await scalar(store, "SELECT upto FROM fts_text_progress") == top
    assert len(await _indexed_ids(store)) == 4
    await _integrity(store)


async def test_deleting_indexed_and_unindexed_text_keeps_the_index_sound(sqlite_store: Store) -> None:
    store, view = sqlite_store, ImapView(sqlite_store, clock=lambda: datetime.now(UTC) + timedelta(hours=1))
    box = await mailbox(store)
    inbox = await inbox_id(view, box.id)
    await expunge_half_indexed(store, view, box.id, inbox)
    assert await scalar(store, "SELECT count(*) FROM message_text") == 0
    assert await _indexed_ids(store) == []
    await _integrity(store)
    await store.mail.index_text()
    assert await _indexed_ids(store) == []


async def test_text_written_below_the_watermark_is_found_at_once_and_indexed_once_extracted(
    sqlite_store: Store,
) -> None:
    """A search row added later for an old message (stored earlier without one) goes into the index by trigger,
    with an empty body; SEARCH reads its body from the blob until the indexer extracts it, which re-indexes it."""
    store, view = sqlite_store, ImapView(sqlite_store)
    box = await mailbox(store)
    other = await mailbox(store, "dr.autre@example.test")
    store.mail.pause_indexing()
    await fill(store, box.id, 3)
    await store.mail.index_text()
    async with store.engine.begin() as conn:
        first = (await conn.execute(text("SELECT min(message_id) FROM message_text"))).scalar_one()
        # As the outbound queue stores a message: without search rows.
        await conn.execute(text("DELETE FROM message_text WHERE message_id = :id"), {"id": first})
        await conn.execute(text("DELETE FROM message_search WHERE message_id = :id"), {"id": first})
    assert len(await _indexed_ids(store)) == 2
    # The same bytes to another mailbox: the message stored earlier gets its search row again, below the watermark.
    await store.mail.deliver(new_message(message_bytes(0)), [other.id])
    assert await scalar(store, f"SELECT pending FROM message_text WHERE message_id = {first}") == 1  # noqa: S608
    assert len(await _indexed_ids(store)) == 2
    assert await search_text(view, await inbox_id(view, other.id), "patient numéro 0") == [1]  # from the blob
    await _check(store, "fts_message_text", with_content=True)  # the index holds the row as it is: empty body
    await store.mail.index_text()
    assert await scalar(store, f"SELECT pending FROM message_text WHERE message_id = {first}") == 0  # noqa: S608
    assert len(await _indexed_ids(store)) == 3
    assert await search_text(view, await inbox_id(view, other.id), "patient numéro 0") == [1]  # from the index
    await _integrity(store)


async def test_search_fields_are_found_before_and_after_they_are_indexed(sqlite_store: Store) -> None:
    """From, To, Cc, Bcc and Subject follow the same watermark as the text (migration 0350): SEARCH FROM and
    SUBJECT find the messages above it with instr(), and the indexer adds them to `fts_message_search` once."""
    store, view = sqlite_store, ImapView(sqlite_store)
    box = await mailbox(store)
    inbox = await inbox_id(view, box.id)
    store.mail.pause_indexing()
    await fill(store, box.id, 3)
    fields = "SELECT count(*) FROM fts_message_search WHERE fts_message_search MATCH 'subject_field : \"compte\"'"
    assert await scalar(store, fields) == 0  # nothing indexed yet
    assert await _search(view, inbox, FieldContains(TextField.SUBJECT, "compte rendu 1")) == [2]
    assert await _search(view, inbox, FieldContains(TextField.FROM, "claire.martin")) == [1, 2, 3]
    await store.mail.index_text()
    assert await scalar(store, fields) == 3
    await fill(store, box.id, 2, start=3)  # above the watermark again
    assert await _search(view, inbox, FieldContains(TextField.SUBJECT, "compte rendu 4")) == [5]  # the tail
    # the index and the tail
    assert await _search(view, inbox, FieldContains(TextField.FROM, "claire.martin")) == [1, 2, 3, 4, 5]
    await store.mail.index_text()
    await _check(store, "fts_message_search", with_content=True)  # every row once, none missing
    assert await scalar(store, fields) == 5


async def _search(view: ImapView, folder_id: int, criterion: FieldContains) -> list[int]:
    return (await view.search.search(folder_id, criterion)).uids.tolist()


def _migration_0350() -> ModuleType:
    path = Path(store_package.__file__).parent / "migrations" / "versions" / "0350_imap_deferred_search_fields.py"
    spec = importlib.util.spec_from_file_location("migration_0350", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_migration_0350_takes_the_rows_above_the_watermark_out_of_the_index_and_back(
    sqlite_store: Store,
) -> None:
    """Before 0350 every search row was indexed by trigger, above the watermark too: the upgrade takes those out
    (else the indexer would add them a second time), the downgrade puts the tail back. FTS5's integrity check
    with the content table holds after each step."""
    store, view = sqlite_store, ImapView(sqlite_store)
    migration = _migration_0350()
    box = await mailbox(store)
    inbox = await inbox_id(view, box.id)
    store.mail.pause_indexing()
    await fill(store, box.id, 2)
    await store.mail.index_text()  # two rows at or below the watermark

    async def run(statements: tuple[str, ...]) -> None:
        async with store.engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))

    await run(migration.SQLITE_DOWN)  # as before 0350
    await fill(store, box.id, 2, start=2)  # indexed by the unconditional triggers, above the watermark
    await run(migration.SQLITE_UP)
    await _check(store, "fts_message_search", with_content=False)
    assert await _search(view, inbox, FieldContains(TextField.SUBJECT, "compte rendu 3")) == [4]  # the tail
    await store.mail.index_text()
    await _check(store, "fts_message_search", with_content=True)
    await fill(store, box.id, 1, start=4)
    await run(migration.SQLITE_DOWN)
    await _check(store, "fts_message_search", with_content=True)
    await run(migration.SQLITE_UP)
    assert await _search(view, inbox, FieldContains(TextField.FROM, "claire.martin")) == [1, 2, 3, 4, 5]


async def test_body_text_is_extracted_after_the_commit_and_read_from_the_blob_until_then(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """Both backends: a delivery writes its text row pending, without body text; SEARCH reads a pending body from
    the blob; the indexer extracts and stores it. A blob that cannot be opened gets an empty text and a log line
    that names the message, never its content; the other messages are not held up by it."""
    view = ImapView(store)
    box = await mailbox(store)
    inbox = await inbox_id(view, box.id)
    store.mail.pause_indexing()
    await fill(store, box.id, 3)
    assert await scalar(store, "SELECT count(*) FROM message_text WHERE pending AND body_text = ''") == 3
    assert await search_text(view, inbox, "patient numéro 1") == [2]
    assert (await view.search.search(inbox, Not(TextContains("numéro 1")))).uids.tolist() == [1, 3]
    (_, first), _, (_, third) = await store.mail.folder_uids(inbox)
    async with store.engine.begin() as conn:  # another message's sealed bytes: they fail the content hash
        await conn.execute(
            text(
                "UPDATE blobs SET data = (SELECT b.data FROM blobs b JOIN messages m ON m.blob_id = b.id "
                "WHERE m.id = :first) WHERE id = (SELECT blob_id FROM messages WHERE id = :third)"
            ),
            {"first": first, "third": third},
        )
    caplog.set_level(logging.ERROR, logger="caducee.store")
    assert await search_text(view, inbox, "numéro 2") == []  # the tampered message cannot be read
    await store.mail.index_text()
    assert await scalar(store, "SELECT count(*) FROM message_text WHERE pending") == 0
    assert await scalar(store, "SELECT count(*) FROM message_text WHERE body_text LIKE '%numéro 1 est%'") == 1
    assert await scalar(store, f"SELECT length(body_text) FROM message_text WHERE message_id = {third}") == 0  # noqa: S608
    assert await search_text(view, inbox, "patient numéro 1") == [2]
    assert (await view.search.search(inbox, Not(TextContains("numéro 1")))).uids.tolist() == [1, 3]
    assert f"message {third}: its text cannot be extracted" in caplog.text
    assert "numéro" not in caplog.text and "patient" not in caplog.text


@pytest.mark.parametrize("limit", [("TEXT_BATCH", 2), ("TEXT_BATCH_OCTETS", 1)], ids=["by count", "by size"])
async def test_pending_bodies_are_read_from_their_blobs_a_batch_at_a_time(
    store: Store, monkeypatch: pytest.MonkeyPatch, limit: tuple[str, int]
) -> None:
    """A folder with more pending candidates than one batch (of two messages, or of one: each is bigger than the
    octets allowed): each batch's texts are read, tested and let go."""
    monkeypatch.setattr(imap_search, *limit)
    read: list[int] = []  # how many texts each read from the blobs asked for

    async def texts(message_ids: Collection[int]) -> dict[int, str]:
        read.append(len(message_ids))
        return await store.mail.search_texts(message_ids)

    view = ImapView(store)
    view.search = imap_search.Searcher(store.engine, texts)
    box = await mailbox(store)
    inbox = await inbox_id(view, box.id)
    store.mail.pause_indexing()
    await fill(store, box.id, 5)
    assert await search_text(view, inbox, "numéro") == [1, 2, 3, 4, 5]
    assert read == ([2, 2, 1] if limit[0] == "TEXT_BATCH" else [1] * 5)
    assert (await view.search.search(inbox, Not(TextContains("numéro 3")))).uids.tolist() == [1, 2, 3, 5]
