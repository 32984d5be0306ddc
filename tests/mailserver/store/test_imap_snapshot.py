"""The warm SELECT snapshot stays equal to a fresh read whatever changes the folder, here or in another process."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update

from mailserver.store import Store
from mailserver.store.blobs import BlobCipher
from mailserver.store.engine import create_engine, writer
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imap_records import Snapshot
from mailserver.store.imap_snapshot import MIN_CACHED_MESSAGES
from mailserver.store.imapview import ImapView
from mailserver.store.schema import folder_messages, folders
from tests.mailserver.store.imap_corpus import T0, fill, inbox_id, mailbox

SIZE = MIN_CACHED_MESSAGES + 100


@pytest.fixture
async def other(db_url: str, blob_keys: Path) -> AsyncIterator[Store]:
    second = Store.build(create_engine(db_url), BlobCipher.from_file(blob_keys))
    yield second
    await second.close()


def _same(a: Snapshot, b: Snapshot) -> bool:
    return (a.uids, a.modseqs, a.flags, a.uidnext, a.highestmodseq, a.uidvalidity) == (
        b.uids,
        b.modseqs,
        b.flags,
        b.uidnext,
        b.highestmodseq,
        b.uidvalidity,
    )


async def test_warm_snapshots_follow_every_change(store: Store, other: Store) -> None:
    view, remote = ImapView(store), ImapView(other)
    box = await mailbox(store)
    await fill(store, box.id, 5, folder="Archive")
    archive = await inbox_id(view, box.id, "Archive")
    inbox = await inbox_id(view, box.id)
    ids = [r.message_id for r in await view.messages.fetch(archive, [(1, 5)])]
    async with writer(store.engine).begin() as conn:
        rows = [
            {"folder_id": inbox, "uid": u, "message_id": ids[u % 5], "modseq": 1, "flags": "", "internal_date": T0}
            for u in range(1, SIZE + 1)
        ]
        await conn.execute(folder_messages.insert(), rows)
        await conn.execute(update(folders).where(folders.c.id == inbox).values(uidnext=SIZE + 1))
    rng = random.Random(7)
    warm = await view.messages.snapshot(inbox)
    for step in range(12):
        actor = remote if step % 2 else view
        uids = sorted(rng.sample(list(warm.uids), 5))
        kind = step % 4
        if kind == 0:
            await actor.flags.store(inbox, [(u, u) for u in uids], FlagOperation.ADD, ["\\Seen", f"$K{step}"])
        elif kind == 1:
            await actor.flags.store(inbox, [(u, u) for u in uids[:3]], FlagOperation.ADD, ["\\Deleted"])
            await actor.flags.expunge(inbox)
        elif kind == 2:
            await fill(actor.store, box.id, 2, start=100 + 2 * step)
        else:
            await actor.copier.move(archive, [(1, 1_000_000)], inbox)
            await actor.copier.copy(inbox, [(uids[0], uids[0])], archive)
        warm = await view.messages.snapshot(inbox)
        cold = await ImapView(store).messages.snapshot(inbox)
        assert _same(warm, cold), step
        warm.uids.append(99_999_999)  # callers get copies: this never reaches the cache
        assert _same(await view.messages.snapshot(inbox), cold)


async def test_a_folder_created_again_is_never_served_from_the_old_snapshot(store: Store) -> None:
    view = ImapView(store)
    box = await mailbox(store)
    await view.folders.create(box.id, "Big/Child")
    await fill(store, box.id, 3, folder="Archive")
    big = await inbox_id(view, box.id, "Big")
    archive = await inbox_id(view, box.id, "Archive")
    ids = [r.message_id for r in await view.messages.fetch(archive, [(1, 3)])]
    async with writer(store.engine).begin() as conn:
        rows = [
            {"folder_id": big, "uid": u, "message_id": ids[u % 3], "modseq": 1, "flags": "", "internal_date": T0}
            for u in range(1, SIZE + 1)
        ]
        await conn.execute(folder_messages.insert(), rows)
        await conn.execute(update(folders).where(folders.c.id == big).values(uidnext=SIZE + 1))
    assert (await view.messages.snapshot(big)).exists == SIZE
    await view.folders.delete(box.id, "Big")  # has a child: emptied, kept as \Noselect
    await view.folders.create(box.id, "Big")
    assert (await view.messages.snapshot(big)).exists == 0
