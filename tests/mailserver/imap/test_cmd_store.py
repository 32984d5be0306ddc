"""STORE: the three modes, .SILENT, UID STORE, CONDSTORE's UNCHANGEDSINCE and MODIFIED, rights and read-only."""

from __future__ import annotations

import re

from mailserver.store import Store
from tests.mailserver.imap.conftest import OTHER, SHARED, USER, Talk, fill, tagged


async def test_store_modes_report_the_new_flags(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 2)
    await talk.cmd("a1 SELECT INBOX")
    assert (await talk.cmd("a2 STORE 1:2 +FLAGS (\\Flagged $Urgent)")).startswith(
        b"* 1 FETCH (FLAGS ($Urgent \\Flagged))\r\n* 2 FETCH (FLAGS ($Urgent \\Flagged))\r\n"
    )
    assert b"* 1 FETCH (FLAGS ($Urgent))" in await talk.cmd("a3 STORE 1 -FLAGS (\\Flagged)")
    assert b"* 2 FETCH (FLAGS (\\Answered))" in await talk.cmd("a4 STORE 2 FLAGS (\\Answered)")
    assert await talk.cmd("a5 STORE 1 +FLAGS.SILENT (\\Seen)") == b"a5 OK STORE completed\r\n"
    assert b"* 1 FETCH (UID 1 FLAGS ($Urgent \\Seen))" in await talk.cmd("a6 UID STORE 1 FLAGS ($Urgent \\Seen)")


async def test_invalid_flags_are_bad(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 1)
    await talk.cmd("a1 SELECT INBOX")
    assert tagged(await talk.cmd("a2 STORE 1 +FLAGS (\\Bogus)"), "a2") == b"a2 BAD Invalid flag"
    assert tagged(await talk.cmd("a3 STORE 1 +FLAGS (\\Recent)"), "a3") == b"a3 OK STORE completed"


async def test_unchangedsince_fails_for_messages_changed_since_and_reports_modified(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 3)
    answer = await talk.cmd("a1 SELECT INBOX (CONDSTORE)")
    modseq = int(re.search(rb"HIGHESTMODSEQ (\d+)", answer).group(1))  # type: ignore[union-attr]
    await talk.cmd("a2 STORE 2 +FLAGS (\\Seen)")
    answer = await talk.cmd(f"a3 STORE 1:3 (UNCHANGEDSINCE {modseq}) +FLAGS.SILENT (\\Deleted)")
    assert tagged(answer, "a3") == b"a3 OK [MODIFIED 2] Conditional STORE failed"
    assert re.search(rb"\* 1 FETCH \(MODSEQ \(\d+\)\)\r\n\* 3 FETCH \(MODSEQ \(\d+\)\)\r\n", answer)
    assert b"* 2 FETCH" not in answer
    uid_answer = await talk.cmd("a4 UID STORE 1:3 (UNCHANGEDSINCE 1) -FLAGS (\\Deleted)")
    assert tagged(uid_answer, "a4") == b"a4 OK [MODIFIED 1:3] Conditional STORE failed"


async def test_store_in_a_read_only_shared_mailbox_is_refused(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, "archives@example.test", 1)
    answer = await talk.cmd("a1 SELECT Shared/archives@example.test/INBOX")
    assert tagged(answer, "a1") == b"a1 OK [READ-ONLY] SELECT completed"
    assert tagged(await talk.cmd("a2 STORE 1 +FLAGS (\\Seen)"), "a2") == b"a2 NO [READ-ONLY] The mailbox is read-only"


async def test_store_in_a_shared_mailbox_is_seen_by_the_other_delegate(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, SHARED, 2)
    other = await Talk(talk.session.services).open()
    await other.login(OTHER)
    await talk.cmd("a1 SELECT Shared/cardiologie@example.test/INBOX")
    await other.cmd("b1 SELECT Shared/cardiologie@example.test/INBOX")
    await talk.cmd("a2 STORE 2 +FLAGS (\\Flagged)")
    assert b"* 2 FETCH (UID 2 FLAGS (\\Flagged))\r\n" in await other.cmd("b2 NOOP")
    await other.close()
