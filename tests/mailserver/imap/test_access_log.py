"""The IMAP access trace: reads are written together after a short linger, EXPUNGE-like records at once, and
nothing queued is lost when the log closes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from mailserver.imap.access_log import AccessLog
from mailserver.store import Store
from mailserver.store.imap_session_support import AccessRecord, record_accesses

ACTOR = "dr.bernard@example.test"


async def _actions(store: Store) -> list[str]:
    return [entry.action for entry in reversed(await store.audit.entries(target=ACTOR))]


async def test_noted_reads_are_written_in_one_commit_after_the_linger(store: Store) -> None:
    commits: list[int] = []

    async def write(records: Sequence[AccessRecord]) -> None:
        commits.append(len(records))
        await record_accesses(store, records)

    log = AccessLog(write, linger=0.05)
    first = log.note(ACTOR, "imap.select", ACTOR, "ok", {"folder": "INBOX"})
    log.note(ACTOR, "imap.fetch", ACTOR, "ok", {"folder": "INBOX", "uids": "1:3"})
    await asyncio.sleep(0)
    assert commits == []  # still lingering: the client was not made to wait
    await asyncio.wait_for(first, timeout=5)
    assert commits == [2]
    assert await _actions(store) == ["imap.select", "imap.fetch"]
    assert (await store.audit.verify()).first_broken is None


async def test_a_recorded_entry_is_committed_at_once_with_what_was_queued(store: Store) -> None:
    log = AccessLog(lambda records: record_accesses(store, records), linger=3600)
    log.note(ACTOR, "imap.select", ACTOR, "ok", {"folder": "INBOX"})
    await asyncio.wait_for(log.record(ACTOR, "imap.expunge", ACTOR, "ok", {"uids": "2"}), timeout=5)
    assert await _actions(store) == ["imap.select", "imap.expunge"]


async def test_closing_writes_every_queued_entry(store: Store) -> None:
    log = AccessLog(lambda records: record_accesses(store, records), linger=3600)
    for n in range(3):
        log.note(ACTOR, "imap.fetch", ACTOR, "ok", {"uids": str(n + 1)})
    await asyncio.wait_for(log.close(), timeout=5)
    assert await _actions(store) == ["imap.fetch"] * 3
