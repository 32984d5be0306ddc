"""EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT, and expunges made by another session: numbering stays consistent because
EXPUNGE is never told during FETCH, STORE or SEARCH (RFC 3501 §7.4.1), only at NOOP, IDLE, EXPUNGE or a UID
command."""

from __future__ import annotations

import re

from mailserver.imap.services import ImapServices
from mailserver.store import Store
from tests.mailserver.imap.conftest import USER, Talk, fill, tagged


async def test_expunge_removes_deleted_messages_and_numbers_shift(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 5)
    await talk.cmd("a1 SELECT INBOX")
    await talk.cmd("a2 STORE 2,4 +FLAGS.SILENT (\\Deleted)")
    answer = await talk.cmd("a3 EXPUNGE")
    assert answer == b"* 4 EXPUNGE\r\n* 2 EXPUNGE\r\na3 OK EXPUNGE completed\r\n"
    assert re.findall(rb"UID (\d+)", await talk.cmd("a4 FETCH 1:* UID")) == [b"1", b"3", b"5"]
    entry = (await store.audit.entries(target=USER))[0]
    assert entry.action == "imap.expunge" and '"uids":"2,4"' in entry.detail


async def test_uid_expunge_only_touches_the_uids_named(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 3)
    await talk.cmd("a1 SELECT INBOX")
    await talk.cmd("a2 STORE 1:3 +FLAGS.SILENT (\\Deleted)")
    assert await talk.cmd("a3 UID EXPUNGE 2") == b"* 2 EXPUNGE\r\na3 OK EXPUNGE completed\r\n"
    assert b"* 2 EXISTS" not in await talk.cmd("a4 NOOP")


async def test_expunge_under_condstore_answers_highestmodseq(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 2)
    await talk.cmd("a1 SELECT INBOX (CONDSTORE)")
    await talk.cmd("a2 STORE 1 +FLAGS.SILENT (\\Deleted)")
    assert re.search(rb"a3 OK \[HIGHESTMODSEQ \d+\] EXPUNGE completed", await talk.cmd("a3 EXPUNGE"))


async def test_close_expunges_silently_and_unselect_does_not(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 3)
    await talk.cmd("a1 SELECT INBOX")
    await talk.cmd("a2 STORE 1 +FLAGS.SILENT (\\Deleted)")
    assert await talk.cmd("a3 UNSELECT") == b"a3 OK UNSELECT completed\r\n"
    assert b"MESSAGES 3" in await talk.cmd("a4 STATUS INBOX (MESSAGES)")
    await talk.cmd("a5 SELECT INBOX")
    assert await talk.cmd("a6 CLOSE") == b"a6 OK CLOSE completed\r\n"
    assert b"MESSAGES 2" in await talk.cmd("a7 STATUS INBOX (MESSAGES)")


async def test_examine_then_close_expunges_nothing(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 1)
    await talk.cmd("a1 SELECT INBOX")
    await talk.cmd("a2 STORE 1 +FLAGS.SILENT (\\Deleted)")
    await talk.cmd("a3 EXAMINE INBOX")
    await talk.cmd("a4 CLOSE")
    assert b"MESSAGES 1" in await talk.cmd("a5 STATUS INBOX (MESSAGES)")
    await talk.cmd("a6 EXAMINE INBOX")
    assert tagged(await talk.cmd("a7 EXPUNGE"), "a7") == b"a7 NO [READ-ONLY] The mailbox is read-only"


async def test_another_sessions_expunge_waits_for_a_point_where_it_may_be_told(
    talk: Talk, store: Store, services: ImapServices
) -> None:
    await talk.login()
    await fill(store, USER, 4)
    other = await Talk(services).open()
    await other.login()
    await talk.cmd("a1 SELECT INBOX")
    await other.cmd("b1 SELECT INBOX")
    await other.cmd("b2 STORE 2 +FLAGS.SILENT (\\Deleted)")
    await other.cmd("b3 EXPUNGE")

    fetched = await talk.cmd("a2 FETCH 1:4 (UID FLAGS)")  # still four messages, numbered as before
    numbering = re.findall(rb"\* (\d+) FETCH \(UID (\d+)", fetched)
    assert numbering == [(b"1", b"1"), (b"2", b"2"), (b"3", b"3"), (b"4", b"4")]
    assert b"EXPUNGE" not in fetched
    stored = await talk.cmd("a3 STORE 3 +FLAGS (\\Seen)")
    assert b"* 3 FETCH (FLAGS (\\Seen))" in stored and b"EXPUNGE" not in stored
    searched = await talk.cmd("a4 SEARCH ALL")
    assert b"* SEARCH 1 3 4\r\n" in searched and b"EXPUNGE" not in searched
    body = await talk.cmd("a5 FETCH 2 BODY.PEEK[]")  # gone from the store, still numbered here
    assert tagged(body, "a5") == b"a5 NO [EXPUNGEISSUED] Some of the requested messages no longer exist"

    told = await talk.cmd("a6 NOOP")
    assert told == b"* 2 EXPUNGE\r\na6 OK NOOP completed\r\n"
    assert re.findall(rb"\* (\d+) FETCH \(UID (\d+)", await talk.cmd("a7 FETCH 1:* UID")) == [
        (b"1", b"1"),
        (b"2", b"3"),
        (b"3", b"4"),
    ]
    await other.close()


async def test_a_uid_command_may_carry_pending_expunges(talk: Talk, store: Store, services: ImapServices) -> None:
    await talk.login()
    await fill(store, USER, 3)
    other = await Talk(services).open()
    await other.login()
    await talk.cmd("a1 SELECT INBOX")
    await other.cmd("b1 SELECT INBOX")
    await other.cmd("b2 STORE 1 +FLAGS.SILENT (\\Deleted)")
    await other.cmd("b3 EXPUNGE")
    answer = await talk.cmd("a2 UID FETCH 3 FLAGS")
    assert answer == b"* 3 FETCH (UID 3 FLAGS ())\r\n* 1 EXPUNGE\r\na2 OK FETCH completed\r\n"
    await other.close()


async def test_new_messages_are_announced_at_the_next_command(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 1)
    await talk.cmd("a1 SELECT INBOX")
    await fill(store, USER, 2, start=2)
    answer = await talk.cmd("a2 FETCH 3 FLAGS")  # told before the answer, so the new number is usable at once
    assert answer == b"* 3 EXISTS\r\n* 3 FETCH (FLAGS ())\r\na2 OK FETCH completed\r\n"


async def test_metadata_read_before_an_expunge_is_not_served_once_the_session_knows_of_it(
    talk: Talk, store: Store, services: ImapServices
) -> None:
    await talk.login()
    await fill(store, USER, 3)
    await talk.cmd("a1 SELECT INBOX")
    assert b"* 2 FETCH (ENVELOPE (" in await talk.cmd("a2 FETCH 2 ENVELOPE")
    other = await Talk(services).open()
    await other.login()
    await other.cmd("b1 SELECT INBOX")
    await other.cmd("b2 STORE 2 +FLAGS.SILENT (\\Deleted)")
    await other.cmd("b3 EXPUNGE")
    answer = await talk.cmd("a3 FETCH 1:3 (ENVELOPE RFC822.SIZE)")
    assert re.findall(rb"\* (\d+) FETCH \(ENVELOPE", answer) == [b"1", b"3"]
    assert tagged(answer, "a3") == b"a3 NO [EXPUNGEISSUED] Some of the requested messages no longer exist"
    await other.close()
