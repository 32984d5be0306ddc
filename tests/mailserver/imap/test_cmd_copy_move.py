"""COPY and MOVE: COPYUID, TRYCREATE, the expunges MOVE reports (EXPUNGE, or VANISHED under QRESYNC), shared targets."""

from __future__ import annotations

from mailserver.store import Store
from tests.mailserver.imap.conftest import USER, Talk, fill, tagged


async def test_copy_answers_copyuid_and_keeps_flags(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 3)
    await talk.cmd("a1 SELECT INBOX")
    await talk.cmd("a2 STORE 2 +FLAGS (\\Flagged)")
    answer = await talk.cmd("a3 COPY 2:3 Archive")
    status = await talk.cmd("a4 STATUS Archive (UIDVALIDITY MESSAGES)")
    uidvalidity = status.split(b"UIDVALIDITY ")[1].split(b" ")[0].rstrip(b")")
    assert tagged(answer, "a3") == b"a3 OK [COPYUID " + uidvalidity + b" 2:3 1:2] COPY completed"
    await talk.cmd("a5 SELECT Archive")
    assert b"* 1 FETCH (FLAGS (\\Flagged))" in await talk.cmd("a6 FETCH 1 FLAGS")


async def test_copy_to_a_missing_folder_is_trycreate(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 1)
    await talk.cmd("a1 SELECT INBOX")
    assert tagged(await talk.cmd("a2 COPY 1 Nowhere"), "a2") == b"a2 NO [TRYCREATE] No such mailbox"
    assert tagged(await talk.cmd("a3 UID COPY 1 Nowhere"), "a3") == b"a3 NO [TRYCREATE] No such mailbox"
    assert tagged(await talk.cmd("a4 MOVE 1 Nowhere"), "a4") == b"a4 NO [TRYCREATE] No such mailbox"
    assert tagged(await talk.cmd("a5 UID COPY 99 Archive"), "a5") == b"a5 OK COPY completed"  # nothing to copy


async def test_copy_into_a_read_only_shared_mailbox_is_refused(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 1)
    await talk.cmd("a1 SELECT INBOX")
    answer = await talk.cmd("a2 COPY 1 Shared/archives@example.test/INBOX")
    assert tagged(answer, "a2") == b"a2 NO [NOPERM] Permission denied"


async def test_copy_into_a_shared_mailbox(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 1)
    await talk.cmd("a1 SELECT INBOX")
    answer = await talk.cmd("a2 COPY 1 Shared/cardiologie@example.test/INBOX")
    assert tagged(answer, "a2").startswith(b"a2 OK [COPYUID ")


async def test_move_reports_copyuid_then_expunges(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 4)
    await talk.cmd("a1 SELECT INBOX")
    answer = await talk.cmd("a2 MOVE 2:3 Trash")
    assert answer.startswith(b"* OK [COPYUID ")
    assert b" 2:3 1:2] Moved\r\n* 3 EXPUNGE\r\n* 2 EXPUNGE\r\na2 OK MOVE completed\r\n" in answer
    assert b"* 2 FETCH (UID 4 " in await talk.cmd("a3 FETCH 2 (UID FLAGS)")


async def test_uid_move_under_qresync_reports_vanished(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 4)
    await talk.cmd("e1 ENABLE QRESYNC")
    await talk.cmd("a1 SELECT INBOX")
    answer = await talk.cmd("a2 UID MOVE 1,4 Trash")
    assert b"] Moved\r\n* VANISHED 1,4\r\na2 OK MOVE completed\r\n" in answer


async def test_move_in_a_read_only_folder_is_refused(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 1)
    await talk.cmd("a1 EXAMINE INBOX")
    assert tagged(await talk.cmd("a2 MOVE 1 Trash"), "a2") == b"a2 NO [READ-ONLY] The mailbox is read-only"
