"""The audit trace is hash-chained: edits, deletions and reorderings are found with their sequence number."""

from __future__ import annotations

from sqlalchemy import delete, update

from mailserver.store import Store
from mailserver.store.engine import writer
from mailserver.store.schema import audit_log


async def _fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        await store.audit.record("dr.house@example.test", "imap.select", "INBOX", "ok", {"i": i})


async def test_an_untouched_chain_verifies(store: Store) -> None:
    await _fill(store)
    report = await store.audit.verify()
    assert (report.entries, report.first_broken) == (5, None)


async def test_an_edited_row_is_reported_with_its_sequence_number(store: Store) -> None:
    await _fill(store)
    async with store.engine.begin() as conn:
        await conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(result="denied"))
    report = await store.audit.verify()
    assert report.first_broken == 3
    assert "does not match" in report.reason


async def test_a_deleted_row_breaks_the_link_of_the_next_entry(store: Store) -> None:
    await _fill(store)
    async with store.engine.begin() as conn:
        await conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    report = await store.audit.verify()
    assert report.first_broken == 3
    assert "link" in report.reason


async def test_entries_are_listed_newest_first_and_filtered_by_target(store: Store) -> None:
    await _fill(store, 3)
    await store.audit.record("admin", "mailbox.add", "x@example.test", "ok")
    entries = await store.audit.entries(target="x@example.test")
    assert [e.action for e in entries] == ["mailbox.add"]
    assert [e.seq for e in await store.audit.entries()] == [4, 3, 2, 1]


async def test_entries_appended_together_continue_the_chain_in_their_order(store: Store) -> None:
    await _fill(store, 2)
    batch = [("dr.house@example.test", "imap.fetch", "INBOX", "ok", {"uids": str(n)}) for n in range(1, 40)]
    async with writer(store.engine).begin() as conn:
        await store.audit.record_all_in(conn, batch)
    await _fill(store, 1)
    report = await store.audit.verify()
    assert (report.entries, report.first_broken) == (42, None)
    listed = [entry.detail for entry in reversed(await store.audit.entries(limit=42))]
    assert listed[2:41] == [f'{{"uids":"{n}"}}' for n in range(1, 40)]
