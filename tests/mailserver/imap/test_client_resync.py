"""CONDSTORE/QRESYNC over a real connection: a client that reconnects with its last UIDVALIDITY and HIGHESTMODSEQ
gets exactly the flag changes and the VANISHED UIDs, and nothing else."""

from __future__ import annotations

import re

from tests.mailserver.imap.conftest import USER, ImapServer, RawImap, fill


def number(pattern: bytes, data: bytes) -> int:
    found = re.search(pattern, data)
    assert found is not None, data
    return int(found.group(1))


async def test_qresync_reconnect_gets_exactly_the_changes_and_the_vanished_uids(imap_server: ImapServer) -> None:
    await fill(imap_server.store, USER, 10)
    first = await RawImap.connect(imap_server)
    await first.command("e1 ENABLE QRESYNC")
    selected = await first.command("a1 SELECT INBOX")
    uidvalidity = number(rb"UIDVALIDITY (\d+)", selected)
    modseq = number(rb"HIGHESTMODSEQ (\d+)", selected)
    await first.command("a2 LOGOUT")
    await first.close()

    other = await RawImap.connect(imap_server)
    await other.command("b1 SELECT INBOX")
    await other.command("b2 UID STORE 3,7 +FLAGS.SILENT (\\Flagged)")
    await other.command("b3 UID STORE 2,5,9 +FLAGS.SILENT (\\Deleted)")
    await other.command("b4 UID EXPUNGE 2,5")  # 9 stays, flagged \Deleted: a flag change
    await other.command("b5 UID STORE 3 -FLAGS.SILENT (\\Flagged)")  # changed twice, reported once
    await fill(imap_server.store, USER, 2, start=11)  # new messages: counted by EXISTS, not resynchronised
    await other.command("b6 LOGOUT")
    await other.close()

    again = await RawImap.connect(imap_server)
    await again.command("e1 ENABLE QRESYNC")
    answer = await again.command(f"a1 SELECT INBOX (QRESYNC ({uidvalidity} {modseq} 1:10))")
    assert b"* VANISHED (EARLIER) 2,5\r\n" in answer
    fetches = re.findall(rb"\* \d+ FETCH \(UID (\d+) FLAGS \(([^)]*)\) MODSEQ \(\d+\)\)", answer)
    assert fetches == [(b"3", b""), (b"7", b"\\Flagged"), (b"9", b"\\Deleted")]
    assert b"* 10 EXISTS\r\n" in answer and b"[UIDNEXT 13]" in answer
    new_modseq = number(rb"HIGHESTMODSEQ (\d+)", answer)
    assert new_modseq > modseq

    changed = await again.command(f"a2 UID FETCH 1:* (FLAGS) (CHANGEDSINCE {new_modseq} VANISHED)")
    assert re.fullmatch(rb"a2 OK [^\r\n]*\r\n", changed)  # nothing changed since: nothing but the completion
    await again.command("a3 LOGOUT")
    await again.close()


async def test_condstore_client_resynchronises_flags_with_changedsince(imap_server: ImapServer) -> None:
    await fill(imap_server.store, USER, 4)
    client = await RawImap.connect(imap_server)
    modseq = number(rb"HIGHESTMODSEQ (\d+)", await client.command("a1 SELECT INBOX (CONDSTORE)"))
    other = await RawImap.connect(imap_server)
    await other.command("b1 SELECT INBOX")
    await other.command("b2 STORE 4 +FLAGS.SILENT (\\Answered)")
    answer = await client.command(f"a2 FETCH 1:* (UID FLAGS) (CHANGEDSINCE {modseq})")
    lines = set(answer.splitlines())  # the change may also come unsolicited, before the answer: same line
    fetched = [line for line in lines if not line.startswith(b"a2 ")]
    assert len(fetched) == 1 and re.fullmatch(rb"\* 4 FETCH \(UID 4 FLAGS \(\\Answered\) MODSEQ \(\d+\)\)", fetched[0])
    await other.close()
    await client.close()
