"""SELECT snapshot, FETCH metadata, summaries and bodies, read in batches from the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from mailserver.store import Store
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imapview import ImapView
from mailserver.store.mail import NewMessage
from mailserver.store.schema import messages
from tests.mailserver.store.imap_corpus import fill, inbox_id, mailbox, message_bytes, new_message


@pytest.fixture
def view(store: Store) -> ImapView:
    return ImapView(store, summary_cache=4)


async def test_snapshot_holds_uids_modseqs_and_flags_in_uid_order(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 5)
    inbox = await inbox_id(view, box.id)
    await view.flags.store(inbox, [(2, 3)], FlagOperation.ADD, ["\\Seen", "$Label1"])
    await view.flags.expunge(inbox)  # nothing is \Deleted: nothing goes
    snap = await view.messages.snapshot(inbox)
    assert snap.uids.tolist() == [1, 2, 3, 4, 5] and snap.exists == 5
    assert snap.flags == ["", "$Label1 \\Seen", "$Label1 \\Seen", "", ""]
    assert snap.flags[1] is snap.flags[2]  # equal texts are shared
    assert snap.modseqs.tolist() == [2, 7, 7, 5, 6]
    assert (snap.uidnext, snap.highestmodseq) == (6, 7)
    assert snap.first_unseen() == 1


async def test_snapshot_of_an_empty_folder(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    snap = await view.messages.snapshot(await inbox_id(view, box.id, "Drafts"))
    assert snap.exists == 0 and snap.first_unseen() is None and snap.uidnext == 1


async def test_fetch_reads_metadata_for_a_uid_set_with_utc_internal_dates(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    paris = timezone(timedelta(hours=2))
    for n in range(6):
        when = datetime(2025, 3, 1, 12, n, tzinfo=paris)
        await store.mail.deliver(new_message(message_bytes(n), when), [box.id])
    inbox = await inbox_id(view, box.id)
    rows = await view.messages.fetch(inbox, [(2, 3), (5, 5), (9, 12)])
    assert [r.uid for r in rows] == [2, 3, 5]
    assert rows[0].internal_date == datetime(2025, 3, 1, 10, 1, tzinfo=UTC)
    assert rows[0].size == len(message_bytes(1))


async def test_fetch_of_many_single_uids_is_batched(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 30)
    inbox = await inbox_id(view, box.id)
    odd = [(u, u) for u in range(1, 2000, 2)]  # 1,000 single UIDs, more than one statement carries
    assert [r.uid for r in await view.messages.fetch(inbox, odd)] == list(range(1, 31, 2))


async def test_summaries_are_parsed_once_and_carry_envelope_and_structure(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 6)
    rows = await view.messages.fetch(await inbox_id(view, box.id), [(1, 6)])
    ids = [r.message_id for r in rows]
    summaries = await view.messages.summaries(ids)
    assert set(summaries) == set(ids)
    first = summaries[ids[0]]
    assert b"Compte rendu 0" in first.envelope and first.bodystructure.lower().startswith(b'("text" "plain"')
    again = await view.messages.summaries(ids[-2:])
    assert again[ids[-1]] is summaries[ids[-1]]


async def test_a_message_stored_without_a_summary_gets_one_from_its_bytes(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    raw = message_bytes(1)
    await store.mail.deliver(NewMessage(raw, "{}", None, datetime.now(UTC)), [box.id])
    (row,) = await view.messages.fetch(await inbox_id(view, box.id), [(1, 1)])
    summary = (await view.messages.summaries([row.message_id]))[row.message_id]
    assert summary.size == len(raw) and b"Compte rendu 1" in summary.envelope


async def test_bodies_are_read_in_one_call_and_verified(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 3)
    rows = await view.messages.fetch(await inbox_id(view, box.id), [(1, 3)])
    bodies = await view.messages.bodies([r.message_id for r in rows] + [999_999])
    assert [bodies[r.message_id] for r in rows] == [message_bytes(n) for n in range(3)]
    assert 999_999 not in bodies


async def test_a_tampered_blob_is_never_returned(store: Store, view: ImapView) -> None:
    from mailserver.errors import IntegrityError
    from mailserver.store.schema import blobs

    box = await mailbox(store)
    await fill(store, box.id, 1)
    (row,) = await view.messages.fetch(await inbox_id(view, box.id), [(1, 1)])
    async with store.engine.begin() as conn:
        await conn.execute(update(blobs).values(data=b"C1\x02k1" + b"\x00" * 40))
        await conn.execute(update(messages).values(size=1))
    with pytest.raises(IntegrityError):
        await view.messages.bodies([row.message_id])
