"""The change feed: IDLE watchers learn of commits made in this process and by other processes (a second engine)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mailserver.store import Store
from mailserver.store.blobs import BlobCipher
from mailserver.store.engine import create_engine
from mailserver.store.imap_announce import FOLDER_GONE
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imapview import ImapView
from tests.mailserver.store.imap_corpus import fill, mailbox, message_bytes, new_message

WAIT = 10  # seconds before a missing notification fails the test (never a timing assertion)


@pytest.fixture
async def other(db_url: str, blob_keys: Path) -> AsyncIterator[Store]:
    """A second Store on the same database: what another worker process sees."""
    second = Store.build(create_engine(db_url), BlobCipher.from_file(blob_keys))
    yield second
    await second.close()


async def _next(watch) -> int:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(WAIT):
        return int(await watch.wait())


async def test_commits_in_this_process_reach_watchers_without_polling(store: Store) -> None:
    view = ImapView(store, poll_interval=3600)
    await view.start()
    try:
        box = await mailbox(store)
        inbox = await view.directory.folder(box.id, "INBOX")
        with view.watch(inbox.id, inbox.highestmodseq) as watch:
            (delivered,) = await store.mail.deliver(new_message(message_bytes(1)), [box.id])
            assert await _next(watch) == delivered.modseq
            result = await view.flags.store(inbox.id, [(1, 1)], FlagOperation.ADD, ["\\Seen"])
            assert await _next(watch) == result.highestmodseq
    finally:
        await view.close()


async def test_changes_committed_by_another_process_reach_watchers(store: Store, other: Store) -> None:
    view = ImapView(store, poll_interval=0.02)
    await view.start()
    try:
        box = await mailbox(store)
        inbox = await view.directory.folder(box.id, "INBOX")
        remote = ImapView(other)
        watch = view.watch(inbox.id, inbox.highestmodseq)
        (delivered,) = await other.mail.deliver(new_message(message_bytes(1)), [box.id])
        assert await _next(watch) == delivered.modseq
        stored = await remote.flags.store(inbox.id, [(1, 1)], FlagOperation.ADD, ["\\Deleted"])
        assert await _next(watch) == stored.highestmodseq
        expunged = await remote.flags.expunge(inbox.id)
        assert await _next(watch) == expunged.highestmodseq
        archive = await view.directory.folder(box.id, "Archive")
        with view.watch(archive.id, archive.highestmodseq) as archived:
            await fill(other, box.id, 1, start=7)
            copied = await remote.copier.copy(inbox.id, [(2, 2)], archive.id)
            assert await _next(archived) >= archive.highestmodseq + 1 and copied.target_uids == [1]
            await remote.folders.delete(box.id, "Archive")
            async with asyncio.timeout(WAIT):
                while await archived.wait() != FOLDER_GONE:
                    pass
            assert archived.gone
        watch.close()
    finally:
        await view.close()


async def test_watchers_only_hear_of_their_folder_and_coalesce(store: Store, other: Store) -> None:
    view = ImapView(store, poll_interval=0.02)
    await view.start()
    try:
        box = await mailbox(store)
        inbox = await view.directory.folder(box.id, "INBOX")
        sent = await view.directory.folder(box.id, "Sent")
        quiet = view.watch(sent.id, sent.highestmodseq)
        busy = view.watch(inbox.id, inbox.highestmodseq)
        await fill(other, box.id, 3)
        last = 0
        async with asyncio.timeout(WAIT):
            async for modseq in busy:
                last = modseq
                if modseq == inbox.highestmodseq + 3:
                    break
        assert last == inbox.highestmodseq + 3
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await quiet.wait()
    finally:
        await view.close()
