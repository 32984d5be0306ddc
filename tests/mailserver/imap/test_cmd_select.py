"""SELECT and EXAMINE: what they report, what a failure leaves, QRESYNC resynchronisation, and the audit trace."""

from __future__ import annotations

import re

from mailserver.imap.services import ImapServices
from mailserver.store import Store
from mailserver.store.imap_flagtext import FlagOperation
from tests.mailserver.imap.conftest import USER, Talk, fill, tagged


async def test_select_reports_the_folder_state(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 3)
    answer = await talk.cmd("a1 SELECT INBOX")
    assert b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n" in answer
    assert b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)]" in answer
    assert b"* 3 EXISTS\r\n* 0 RECENT\r\n" in answer
    assert b"* OK [UNSEEN 1] " in answer
    assert b"* OK [UIDNEXT 4] " in answer
    assert re.search(rb"\* OK \[UIDVALIDITY \d+\] ", answer)
    assert re.search(rb"\* OK \[HIGHESTMODSEQ \d+\] ", answer)
    assert tagged(answer, "a1") == b"a1 OK [READ-WRITE] SELECT completed"


async def test_select_lists_keywords_in_use(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 2)
    await talk.cmd("a1 SELECT INBOX")
    await talk.cmd("a2 STORE 2 +FLAGS ($Forwarded)")
    answer = await talk.cmd("a3 SELECT INBOX")
    assert b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n" in answer
    assert b"* OK [CLOSED] Previous mailbox closed\r\n" in answer


async def test_examine_is_read_only(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 1)
    answer = await talk.cmd("a1 EXAMINE INBOX")
    assert tagged(answer, "a1") == b"a1 OK [READ-ONLY] EXAMINE completed"
    assert b"[PERMANENTFLAGS ()]" in answer
    assert tagged(await talk.cmd("a2 STORE 1 +FLAGS (\\Seen)"), "a2") == b"a2 NO [READ-ONLY] The mailbox is read-only"
    await talk.cmd("a3 FETCH 1 BODY[]")
    assert b"FLAGS ()" in await talk.cmd("a4 FETCH 1 FLAGS")  # no \Seen in a read-only folder


async def test_a_failed_select_leaves_no_folder_selected(talk: Talk) -> None:
    await talk.login()
    await talk.cmd("a1 SELECT INBOX")
    answer = await talk.cmd("a2 SELECT Nowhere")
    assert tagged(answer, "a2") == b"a2 NO [NONEXISTENT] No such mailbox"
    assert tagged(await talk.cmd("a3 FETCH 1 FLAGS"), "a3") == b"a3 BAD No mailbox selected"


async def test_select_is_traced_in_the_audit_log(talk: Talk, store: Store) -> None:
    await talk.login()
    await talk.cmd("a1 EXAMINE Sent")
    entry = (await talk.traced(store, USER))[0]
    assert (entry.actor, entry.action, entry.result) == (USER, "imap.examine", "ok")
    assert '"folder":"Sent"' in entry.detail


async def test_select_condstore_enables_modseq_in_fetch(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 1)
    await talk.cmd("a1 SELECT INBOX (CONDSTORE)")
    assert re.search(rb"\* 1 FETCH \(FLAGS \(\) MODSEQ \(\d+\)\)", await talk.cmd("a2 FETCH 1 FLAGS"))


async def test_qresync_without_enable_is_bad(talk: Talk) -> None:
    await talk.login()
    answer = await talk.cmd("a1 SELECT INBOX (QRESYNC (1 1))")
    assert tagged(answer, "a1") == b"a1 BAD QRESYNC is not enabled"


async def test_qresync_select_reports_vanished_and_changes_since_the_clients_modseq(
    talk: Talk, store: Store, services: ImapServices
) -> None:
    await talk.login()
    await fill(store, USER, 5)
    await talk.cmd("e1 ENABLE QRESYNC")
    first = await talk.cmd("a1 SELECT INBOX")
    uidvalidity = int(re.search(rb"UIDVALIDITY (\d+)", first).group(1))  # type: ignore[union-attr]
    modseq = int(re.search(rb"HIGHESTMODSEQ (\d+)", first).group(1))  # type: ignore[union-attr]
    await talk.cmd("a2 UNSELECT")
    view = services.view
    inbox = (await view.directory.folder(talk.session.user.mailbox.id, "INBOX")).id  # type: ignore[union-attr]
    await view.flags.store(inbox, [(2, 2)], FlagOperation.ADD, ["\\Flagged"])
    await view.flags.store(inbox, [(4, 4)], FlagOperation.ADD, ["\\Deleted"])
    await view.flags.expunge(inbox)
    answer = await talk.cmd(f"a3 SELECT INBOX (QRESYNC ({uidvalidity} {modseq} 1:5))")
    assert b"* VANISHED (EARLIER) 4\r\n" in answer
    assert re.search(rb"\* 2 FETCH \(UID 2 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)", answer)
    assert b"UID 1 " not in answer and b"UID 3 " not in answer  # unchanged messages are not repeated


async def test_qresync_with_another_uidvalidity_gets_no_resynchronisation(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 2)
    await talk.cmd("e1 ENABLE QRESYNC")
    answer = await talk.cmd("a1 SELECT INBOX (QRESYNC (1 1))")
    assert b"VANISHED" not in answer and b"FETCH" not in answer and b"a1 OK" in answer


async def test_a_name_selected_before_then_renamed_and_created_again_opens_the_new_folder(
    talk: Talk, store: Store, services: ImapServices
) -> None:
    await talk.login()
    await talk.cmd("a1 CREATE Dossiers")
    await fill(store, USER, 3, folder="Dossiers")
    assert b"* 3 EXISTS" in await talk.cmd("a2 SELECT Dossiers")
    await talk.cmd("a3 UNSELECT")
    other = await Talk(services).open()
    await other.login()
    await other.cmd("b1 RENAME Dossiers Archives")
    await other.cmd("b2 CREATE Dossiers")
    assert b"* 0 EXISTS" in await talk.cmd("a4 SELECT Dossiers")  # the name now names another folder
    assert b"* 3 EXISTS" in await talk.cmd("a5 SELECT Archives")
    await other.cmd("b3 DELETE Dossiers")
    answer = await talk.cmd("a6 SELECT Dossiers")
    assert tagged(answer, "a6").startswith(b"a6 NO ")
    await other.close()
