"""Messages stored without search rows (before migration 0300_imap, or by the queue) are indexed afterwards."""

from __future__ import annotations

from sqlalchemy import delete

from mailserver.store import Store
from mailserver.store.engine import writer
from mailserver.store.imap_criteria import FieldContains, TextContains, TextField
from mailserver.store.imap_schema import message_search, message_text
from mailserver.store.imapview import ImapView
from tests.mailserver.store.imap_corpus import fill, inbox_id, mailbox


async def test_backfill_indexes_what_delivery_did_not(store: Store) -> None:
    view = ImapView(store)
    box = await mailbox(store)
    await fill(store, box.id, 3)
    inbox = await inbox_id(view, box.id)
    async with writer(store.engine).begin() as conn:
        await conn.execute(delete(message_text))
        await conn.execute(delete(message_search))
    assert (await view.search.search(inbox, TextContains("numéro 2"))).uids.tolist() == []
    assert await view.backfill_search_rows() == 3
    assert (await view.search.search(inbox, TextContains("numéro 2"))).uids.tolist() == [3]
    assert (await view.search.search(inbox, FieldContains(TextField.SUBJECT, "rendu 1"))).uids.tolist() == [2]
    assert await view.backfill_search_rows() == 0


async def test_a_plain_list_reads_no_counts(store: Store) -> None:
    view = ImapView(store)
    box = await mailbox(store)
    await fill(store, box.id, 2)
    listed = {f.name: f for f in await view.directory.list_folders([box.id], with_counts=False)}
    assert listed["INBOX"].messages == 0 and listed["INBOX"].uidnext == 3
