"""STORE with modseqs (RFC 7162), UNCHANGEDSINCE conflicts, \\Seen on fetch, EXPUNGE, CHANGEDSINCE, VANISHED."""

from __future__ import annotations

import asyncio

import pytest

from mailserver.store import Store
from mailserver.store.imap_flagtext import FlagOperation, InvalidFlag
from mailserver.store.imapview import ImapView
from tests.mailserver.store.imap_corpus import fill, inbox_id, mailbox

ADD, REMOVE, REPLACE = FlagOperation.ADD, FlagOperation.REMOVE, FlagOperation.REPLACE


@pytest.fixture
def view(store: Store) -> ImapView:
    return ImapView(store)


async def _inbox(store: Store, view: ImapView, count: int = 5) -> int:
    box = await mailbox(store)
    await fill(store, box.id, count)
    return await inbox_id(view, box.id)


async def test_store_changes_flags_and_stamps_one_new_modseq(store: Store, view: ImapView) -> None:
    inbox = await _inbox(store, view)
    result = await view.flags.store(inbox, [(1, 3)], ADD, ["\\seen", "$Important"])
    assert [(c.uid, c.flags, c.modseq) for c in result.changed] == [
        (1, "$Important \\Seen", 7),
        (2, "$Important \\Seen", 7),
        (3, "$Important \\Seen", 7),
    ]
    assert result.highestmodseq == 7 and result.failed == []
    removed = await view.flags.store(inbox, [(2, 2)], REMOVE, ["$important"])
    assert [(c.uid, c.flags, c.modseq) for c in removed.changed] == [(2, "\\Seen", 8)]
    replaced = await view.flags.store(inbox, [(1, 5)], REPLACE, ["\\Flagged"])
    assert [c.uid for c in replaced.changed] == [1, 2, 3, 4, 5]
    assert (await view.messages.snapshot(inbox)).flags == ["\\Flagged"] * 5


async def test_a_store_that_changes_nothing_leaves_modseqs_alone(store: Store, view: ImapView) -> None:
    inbox = await _inbox(store, view)
    await view.flags.store(inbox, [(1, 5)], ADD, ["\\Seen"])
    before = await view.messages.snapshot(inbox)
    again = await view.flags.store(inbox, [(1, 5)], ADD, ["\\Seen"])
    assert again.changed == [] and again.highestmodseq == before.highestmodseq
    assert (await view.messages.snapshot(inbox)).modseqs == before.modseqs


async def test_modseqs_only_grow_across_every_kind_of_write(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 3)
    inbox = await inbox_id(view, box.id)
    seen = [(await view.messages.snapshot(inbox)).highestmodseq]
    await view.flags.store(inbox, [(1, 1)], ADD, ["\\Deleted"])
    seen.append((await view.messages.snapshot(inbox)).highestmodseq)
    await view.flags.expunge(inbox)
    seen.append((await view.messages.snapshot(inbox)).highestmodseq)
    await view.copier.copy(inbox, [(2, 3)], inbox)
    seen.append((await view.messages.snapshot(inbox)).highestmodseq)
    await fill(store, box.id, 1, start=3)
    seen.append((await view.messages.snapshot(inbox)).highestmodseq)
    assert seen == sorted(set(seen))
    snap = await view.messages.snapshot(inbox)
    assert max(snap.modseqs) == snap.highestmodseq


async def test_unchangedsince_fails_the_messages_modified_after_it(store: Store, view: ImapView) -> None:
    inbox = await _inbox(store, view)
    base = (await view.messages.snapshot(inbox)).highestmodseq
    await view.flags.store(inbox, [(2, 2)], ADD, ["$Other"])  # another client's change
    result = await view.flags.store(inbox, [(1, 3)], ADD, ["\\Flagged"], unchanged_since=base)
    assert result.failed == [2]  # RFC 7162 §3.1.3: MODIFIED 2
    assert [c.uid for c in result.changed] == [1, 3]
    flags = (await view.messages.snapshot(inbox)).flags
    assert flags[:3] == ["\\Flagged", "$Other", "\\Flagged"]
    zero = await view.flags.store(inbox, [(1, 1)], ADD, ["\\Seen"], unchanged_since=0)
    assert zero.failed == [1] and zero.changed == []


@pytest.mark.parametrize("flag", ["\\Recent", "\\Bogus", "a b", "a(b", "a]", "é", "x" * 101, ""])
async def test_flags_that_cannot_be_stored_are_refused(store: Store, view: ImapView, flag: str) -> None:
    inbox = await _inbox(store, view, 1)
    with pytest.raises(InvalidFlag):
        await view.flags.store(inbox, [(1, 1)], ADD, [flag])


async def test_mark_seen_reports_only_the_messages_that_were_unseen(store: Store, view: ImapView) -> None:
    inbox = await _inbox(store, view, 3)
    await view.flags.store(inbox, [(2, 2)], ADD, ["\\Seen"])
    result = await view.flags.mark_seen(inbox, [(1, 3)])
    assert [c.uid for c in result.changed] == [1, 3]


async def test_concurrent_stores_on_one_folder_lose_no_update(store: Store, view: ImapView) -> None:
    inbox = await _inbox(store, view, 4)
    keywords = [f"$K{i}" for i in range(8)]
    await asyncio.gather(*(view.flags.store(inbox, [(1, 4)], ADD, [k]) for k in keywords))
    snap = await view.messages.snapshot(inbox)
    assert all(set(text.split()) == set(keywords) for text in snap.flags)
    assert snap.highestmodseq == 5 + len(keywords)


async def test_expunge_removes_deleted_messages_and_records_them_for_vanished(store: Store, view: ImapView) -> None:
    inbox = await _inbox(store, view, 6)
    base = (await view.messages.snapshot(inbox)).highestmodseq
    await view.flags.store(inbox, [(2, 2), (4, 5)], ADD, ["\\Deleted"])
    uid_expunge = await view.flags.expunge(inbox, [(4, 6)])  # RFC 4315 UID EXPUNGE: only 4 and 5
    assert uid_expunge.uids == [4, 5]
    rest = await view.flags.expunge(inbox)
    assert rest.uids == [2] and rest.highestmodseq == uid_expunge.highestmodseq + 1
    assert (await view.messages.snapshot(inbox)).uids.tolist() == [1, 3, 6]
    assert await view.changes.vanished_since(inbox, base) == [2, 4, 5]
    assert await view.changes.vanished_since(inbox, uid_expunge.highestmodseq) == [2]
    assert await view.changes.vanished_since(inbox, base, [(1, 4)]) == [2, 4]
    assert (await view.flags.expunge(inbox)).uids == []


async def test_changes_since_lists_flag_changes_and_new_messages(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 3)
    inbox = await inbox_id(view, box.id)
    base = (await view.messages.snapshot(inbox)).highestmodseq
    await view.flags.store(inbox, [(1, 1)], ADD, ["\\Answered"])
    await fill(store, box.id, 1, start=3)
    changes = await view.changes.changes_since(inbox, base)
    assert [(c.uid, c.flags) for c in changes] == [(1, "\\Answered"), (4, "")]
    assert [c.uid for c in await view.changes.changes_since(inbox, base, [(2, 9)])] == [4]
    state = await view.changes.folder_state(inbox)
    assert (state.uidnext, state.highestmodseq, state.messages) == (5, changes[-1].modseq, 4)
