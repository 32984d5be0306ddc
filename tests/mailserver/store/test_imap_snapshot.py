"""The warm SELECT snapshot, and the copy of a big folder's snapshot kept in the database, stay equal to a fresh read
whatever changes the folder, here or in another process."""

from __future__ import annotations

import random
from array import array
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from mailserver.store import Store
from mailserver.store.blobs import BlobCipher
from mailserver.store.engine import create_engine, writer
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imap_records import Snapshot
from mailserver.store.imap_schema import folder_snapshots
from mailserver.store.imap_snapshot import MIN_CACHED_MESSAGES, MIN_STORED_MESSAGES, decode, encode
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


async def _big_inbox(store: Store, view: ImapView, size: int) -> int:
    box = await mailbox(store)
    await fill(store, box.id, 3, folder="Archive")
    archive = await inbox_id(view, box.id, "Archive")
    inbox = await inbox_id(view, box.id)
    ids = [r.message_id for r in await view.messages.fetch(archive, [(1, 3)])]
    async with writer(store.engine).begin() as conn:
        rows = [
            {"folder_id": inbox, "uid": u, "message_id": ids[u % 3], "modseq": 1, "flags": "", "internal_date": T0}
            for u in range(1, size + 1)
        ]
        await conn.execute(folder_messages.insert(), rows)
        await conn.execute(update(folders).where(folders.c.id == inbox).values(uidnext=size + 1, highestmodseq=1))
    return inbox


async def _fresh_read(store: Store, folder_id: int) -> Snapshot:
    """The folder read row by row, as if no snapshot had ever been kept anywhere."""
    async with writer(store.engine).begin() as conn:
        await conn.execute(delete(folder_snapshots).where(folder_snapshots.c.folder_id == folder_id))
    view = ImapView(store)
    try:
        return await view.messages.snapshot(folder_id)
    finally:
        await view.close()


async def test_a_new_process_opens_a_big_folder_from_its_stored_snapshot_and_the_changes_since(
    store: Store, other: Store
) -> None:
    view = ImapView(store)
    inbox = await _big_inbox(store, view, MIN_STORED_MESSAGES + 50)
    first = await view.messages.snapshot(inbox)
    await view.close()  # writes the stored copy it was waiting to write
    async with store.engine.connect() as conn:
        kept = (await conn.execute(select(folder_snapshots).where(folder_snapshots.c.folder_id == inbox))).one()
    assert (kept.uidvalidity, kept.highestmodseq, kept.uidnext) == (
        first.uidvalidity,
        first.highestmodseq,
        first.uidnext,
    )

    remote = ImapView(other)  # the changes come from elsewhere: only the database knows them
    await remote.flags.store(inbox, [(5, 9)], FlagOperation.ADD, ["\\Seen", "$Urgent"])
    await remote.flags.store(inbox, [(20, 30)], FlagOperation.ADD, ["\\Deleted"])
    await remote.flags.expunge(inbox)
    box = await other.accounts.get_mailbox("dr.bernard@example.test")
    assert box is not None
    await fill(other, box.id, 2, start=500)

    later = ImapView(store)
    try:
        opened = await later.messages.snapshot(inbox)
    finally:
        await later.close()
    expected = await _fresh_read(store, inbox)
    assert _same(opened, expected)
    assert opened.exists == MIN_STORED_MESSAGES + 50 - 11 + 2
    assert opened.flags[4] == "$Urgent \\Seen"


async def test_a_new_process_reads_the_stored_copy_rather_than_every_row(store: Store) -> None:
    view = ImapView(store)
    inbox = await _big_inbox(store, view, MIN_STORED_MESSAGES + 10)
    first = await view.messages.snapshot(inbox)
    await view.close()
    marked = list(first.flags)
    marked[0] = "$FromTheStoredCopy"  # a difference only the stored copy holds
    async with writer(store.engine).begin() as conn:
        await conn.execute(
            update(folder_snapshots)
            .where(folder_snapshots.c.folder_id == inbox)
            .values(data=encode(first.uids, first.modseqs, marked))
        )
    later = ImapView(store)
    try:
        assert (await later.messages.snapshot(inbox)).flags[0] == "$FromTheStoredCopy"
    finally:
        await later.close()


async def test_an_unreadable_stored_snapshot_is_never_served(store: Store) -> None:
    view = ImapView(store)
    inbox = await _big_inbox(store, view, MIN_STORED_MESSAGES + 10)
    await view.messages.snapshot(inbox)
    await view.close()
    async with writer(store.engine).begin() as conn:
        await conn.execute(
            update(folder_snapshots).where(folder_snapshots.c.folder_id == inbox).values(data=b"\x01\x02broken")
        )
    later = ImapView(store)
    try:
        opened = await later.messages.snapshot(inbox)
    finally:
        await later.close()  # the folder it read replaces the unreadable copy
    async with store.engine.connect() as conn:
        data = (await conn.execute(select(folder_snapshots.c.data))).scalar_one()
    assert decode(data) == (opened.uids, opened.modseqs, opened.flags)
    assert _same(opened, await _fresh_read(store, inbox))


async def test_a_folder_that_shrinks_below_the_threshold_drops_its_stored_copy(store: Store) -> None:
    size = MIN_STORED_MESSAGES + 10
    view = ImapView(store)
    inbox = await _big_inbox(store, view, size)
    await view.messages.snapshot(inbox)
    await view.close()
    await view.flags.store(inbox, [(1, size - 5)], FlagOperation.ADD, ["\\Deleted"])
    await view.flags.expunge(inbox)
    later = ImapView(store)
    try:
        assert (await later.messages.snapshot(inbox)).exists == 5
    finally:
        await later.close()
    async with store.engine.connect() as conn:
        assert (await conn.execute(select(folder_snapshots))).first() is None


def test_the_stored_form_keeps_uids_modseqs_and_every_flag_text() -> None:
    texts = [f"$K{i} \\Seen" for i in range(300)] + ["", "\\Flagged"]  # more texts than one byte can number
    uids = array("q", range(7, 7 + 3000))
    modseqs = array("q", (u * 3 for u in uids))
    flags = [texts[(u * 7) % len(texts)] for u in uids]
    assert decode(encode(uids, modseqs, flags)) == (uids, modseqs, flags)
    assert decode(encode(array("q"), array("q"), [])) == (array("q"), array("q"), [])
    with pytest.raises(ValueError, match="stored snapshot"):
        decode(encode(uids, modseqs, flags)[:-1])
    few = encode(array("q", [1, 2]), array("q", [1, 1]), ["", "\\Seen"])  # one byte per flag index
    with pytest.raises(ValueError, match="stored snapshot"):
        decode(few[:-1] + b"\x09")  # names a ninth text of two


async def test_expunges_at_both_ends_and_of_messages_delivered_since_are_applied_to_the_stored_copy(
    store: Store,
) -> None:
    size = MIN_STORED_MESSAGES + 20
    view = ImapView(store)
    inbox = await _big_inbox(store, view, size)
    await view.messages.snapshot(inbox)
    await view.close()
    box = await store.accounts.get_mailbox("dr.bernard@example.test")
    assert box is not None
    new = await fill(store, box.id, 3, start=700)
    doomed = [(1, 2), (size, size), (new[0], new[-1])]
    await view.flags.store(inbox, doomed, FlagOperation.ADD, ["\\Deleted"])
    await view.flags.expunge(inbox)
    later = ImapView(store)
    try:
        opened = await later.messages.snapshot(inbox)
    finally:
        await later.close()
    assert _same(opened, await _fresh_read(store, inbox))
    assert (opened.uids[0], opened.uids[-1], opened.exists) == (3, size - 1, size - 3)
