"""A 100,000-message folder built directly in the tables: every batched path stays correct at that size.

Timings belong to bench/imap_store.py; this only checks results.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from mailserver.store import Store
from mailserver.store.engine import writer
from mailserver.store.imap_criteria import And, FieldContains, HasFlag, Not, TextContains, TextField, UidIn
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imapview import ImapView
from mailserver.store.schema import folder_messages, folders
from tests.mailserver.store.imap_corpus import T0, fill, inbox_id, mailbox

SIZE = 100_000
DISTINCT = 20  # stored messages the rows point at


@pytest.mark.slow
async def test_a_100k_folder_snapshot_search_store_and_expunge(store: Store) -> None:
    view = ImapView(store)
    box = await mailbox(store)
    await fill(store, box.id, DISTINCT, folder="Archive")
    archive = await inbox_id(view, box.id, "Archive")
    inbox = await inbox_id(view, box.id)
    ids = [r.message_id for r in await view.messages.fetch(archive, [(1, DISTINCT)])]
    async with writer(store.engine).begin() as conn:
        for start in range(0, SIZE, 10_000):
            await conn.execute(
                folder_messages.insert(),
                [
                    {
                        "folder_id": inbox,
                        "uid": uid,
                        "message_id": ids[uid % DISTINCT],
                        "modseq": 1,
                        "flags": "\\Seen" if uid % 3 == 0 else "",
                        "internal_date": T0,
                    }
                    for uid in range(start + 1, start + 10_001)
                ],
            )
        await conn.execute(update(folders).where(folders.c.id == inbox).values(uidnext=SIZE + 1, highestmodseq=1))

    snap = await view.messages.snapshot(inbox)
    assert snap.exists == SIZE and snap.uids[-1] == SIZE and snap.first_unseen() == 1
    assert len({id(text) for text in snap.flags}) == 2

    subject = await view.search.search(inbox, FieldContains(TextField.SUBJECT, "Compte rendu 7"))
    assert len(subject.uids) == SIZE // DISTINCT and all(uid % DISTINCT == 7 for uid in subject.uids)
    body = await view.search.search(inbox, And((TextContains("numéro 13 "), Not(HasFlag("\\Seen")))))
    assert all(uid % DISTINCT == 13 and uid % 3 for uid in body.uids) and len(body.uids) > 3000

    evens = tuple((u, u) for u in range(2, SIZE + 1, 2))
    stored = await view.flags.store(inbox, evens, FlagOperation.ADD, ["\\Deleted"])
    assert len(stored.changed) == SIZE // 2 and stored.highestmodseq == 2
    assert len((await view.search.search(inbox, UidIn(evens))).uids) == SIZE // 2
    gone = await view.flags.expunge(inbox)
    assert len(gone.uids) == SIZE // 2
    assert len(await view.changes.vanished_since(inbox, 2)) == SIZE // 2
    after = await view.messages.snapshot(inbox)
    assert after.exists == SIZE // 2 and after.uids[0] == 1 and after.uids[1] == 3
