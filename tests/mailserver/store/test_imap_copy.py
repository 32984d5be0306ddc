"""COPY, MOVE (atomic, RFC 6851) and APPEND with what UIDPLUS reports; TRYCREATE targets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from mailserver.store import Store
from mailserver.store.imap_errors import FolderNotSelectable, NoSuchFolder
from mailserver.store.imap_flagtext import FlagOperation, InvalidFlag
from mailserver.store.imapview import ImapView
from mailserver.store.schema import expunged, folder_messages, messages
from tests.mailserver.store.imap_corpus import fill, inbox_id, mailbox, message_bytes, new_message


@pytest.fixture
def view(store: Store) -> ImapView:
    return ImapView(store)


async def _count(store: Store, table) -> int:  # type: ignore[no-untyped-def]
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_copy_gives_new_uids_in_source_order_and_keeps_flags(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 5)
    inbox = await inbox_id(view, box.id)
    archive = await view.directory.folder(box.id, "Archive")
    await fill(store, box.id, 2, folder="Archive", start=10)
    await view.flags.store(inbox, [(4, 4)], FlagOperation.ADD, ["\\Flagged"])
    result = await view.copier.copy(inbox, [(2, 2), (4, 9)], archive.id)
    assert (result.uidvalidity, result.source_uids, result.target_uids) == (archive.uidvalidity, [2, 4, 5], [3, 4, 5])
    assert result.expunged is None
    snap = await view.messages.snapshot(archive.id)
    assert snap.uids.tolist() == [1, 2, 3, 4, 5] and snap.flags[3] == "\\Flagged"
    assert snap.uidnext == 6 and set(snap.modseqs[2:]) == {snap.highestmodseq}
    assert (await view.messages.snapshot(inbox)).exists == 5
    assert await _count(store, messages) == 7  # copies share the stored message


async def test_copy_of_nothing_changes_nothing(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    inbox = await inbox_id(view, box.id)
    trash = await view.directory.folder(box.id, "Trash")
    result = await view.copier.copy(inbox, [(1, 10)], trash.id)
    assert result.source_uids == [] and (await view.messages.snapshot(trash.id)).highestmodseq == 1


async def test_move_is_copy_and_expunge_in_one_transaction(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 4)
    inbox = await inbox_id(view, box.id)
    trash = await view.directory.folder(box.id, "Trash")
    base = (await view.messages.snapshot(inbox)).highestmodseq
    result = await view.copier.move(inbox, [(2, 3)], trash.id)
    assert (result.source_uids, result.target_uids) == ([2, 3], [1, 2])
    assert result.expunged is not None and result.expunged.uids == [2, 3]
    assert (await view.messages.snapshot(inbox)).uids.tolist() == [1, 4]
    assert (await view.messages.snapshot(trash.id)).uids.tolist() == [1, 2]
    assert await view.changes.vanished_since(inbox, base) == [2, 3]
    assert await _count(store, folder_messages) == 4


async def test_a_failed_move_leaves_both_folders_untouched(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 3)
    inbox = await inbox_id(view, box.id)
    before = await view.messages.snapshot(inbox)
    with pytest.raises(NoSuchFolder):
        await view.copier.move(inbox, [(1, 3)], 999_999)
    after = await view.messages.snapshot(inbox)
    assert (after.uids, after.highestmodseq) == (before.uids, before.highestmodseq)
    assert await _count(store, expunged) == 0


async def test_move_within_the_same_folder_renumbers(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 3)
    inbox = await inbox_id(view, box.id)
    result = await view.copier.move(inbox, [(1, 1)], inbox)
    assert result.target_uids == [4]
    snap = await view.messages.snapshot(inbox)
    assert snap.uids.tolist() == [2, 3, 4] and snap.uidnext == 5


async def test_copy_into_a_noselect_name_is_refused(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await view.folders.create(box.id, "P/Q")
    await view.folders.delete(box.id, "P")
    await fill(store, box.id, 1)
    placeholder = next(f for f in await view.directory.list_folders([box.id]) if f.name == "P")
    with pytest.raises(FolderNotSelectable):
        await view.copier.copy(await inbox_id(view, box.id), [(1, 1)], placeholder.id)


async def test_append_answers_with_appenduid_data(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    sent = await view.directory.folder(box.id, "Sent")
    when = datetime(2025, 2, 1, 8, 0, tzinfo=UTC)
    appended = await view.copier.append(box.id, "Sent", new_message(message_bytes(1), when), ["\\seen", "$Sent"])
    assert (appended.folder_id, appended.uidvalidity, appended.uid) == (sent.id, sent.uidvalidity, 1)
    (row,) = await view.messages.fetch(sent.id, [(1, 1)])
    assert (row.flags, row.internal_date, row.modseq) == ("$Sent \\Seen", when, appended.modseq)


async def test_append_to_a_missing_folder_asks_for_trycreate(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    with pytest.raises(NoSuchFolder):
        await view.copier.append(box.id, "Nope", new_message(message_bytes(1)))
    with pytest.raises(InvalidFlag):
        await view.copier.append(box.id, "INBOX", new_message(message_bytes(1)), ["\\Recent"])


async def test_a_moved_message_is_still_recognised_when_redelivered(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    msg = new_message(message_bytes(1))
    await store.mail.deliver(msg, [box.id])
    inbox = await inbox_id(view, box.id)
    archive = await view.directory.folder(box.id, "Archive")
    await view.copier.move(inbox, [(1, 1)], archive.id)
    (again,) = await store.mail.deliver(msg, [box.id])
    assert again.duplicate and (again.folder_id, again.uid) == (archive.id, 1)


async def test_a_message_redelivered_after_its_expunge_is_delivered_again(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    msg = new_message(message_bytes(1))
    await store.mail.deliver(msg, [box.id])
    inbox = await inbox_id(view, box.id)
    await view.flags.store(inbox, [(1, 1)], FlagOperation.ADD, ["\\Deleted"])
    await view.flags.expunge(inbox)
    (again,) = await store.mail.deliver(msg, [box.id])
    assert not again.duplicate and again.uid == 2


async def test_a_move_failing_midway_rolls_back_the_copy_too(store: Store, view: ImapView) -> None:
    from sqlalchemy.exc import IntegrityError as SqlIntegrityError

    from mailserver.store.engine import writer

    box = await mailbox(store)
    await fill(store, box.id, 3)
    inbox = await inbox_id(view, box.id)
    trash = await view.directory.folder(box.id, "Trash")
    async with writer(store.engine).begin() as conn:  # a stale record makes the expunge step collide
        await conn.execute(expunged.insert().values(folder_id=inbox, uid=2, modseq=1))
    with pytest.raises(SqlIntegrityError):
        await view.copier.move(inbox, [(1, 3)], trash.id)
    assert (await view.messages.snapshot(inbox)).uids.tolist() == [1, 2, 3]
    after = await view.messages.snapshot(trash.id)
    assert after.exists == 0 and after.uidnext == trash.uidnext
