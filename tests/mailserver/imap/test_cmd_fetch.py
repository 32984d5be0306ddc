"""FETCH: every data item, \\Seen on BODY[], byte-exact headers, raw UTF-8, sections and partials, CONDSTORE's
MODSEQ and CHANGEDSINCE, QRESYNC's VANISHED, and one audit entry per command."""

from __future__ import annotations

import re

from mailserver.store import Store
from tests.mailserver.imap.conftest import USER, Talk, deliver, fill, message_bytes, tagged

ODD_HEADERS = (
    b"from: Dr Claire Martin <claire.martin@hopital.example.test>\r\n"
    b"TO: secretariat@cabinet.example.test\r\n"
    b"Subject: Compte rendu\r\n"
    b"\tsur deux lignes\r\n"
    b"X-Patient-Nom: M\xc3\xa9lanie Dupr\xc3\xa9\r\n"
    b"Message-ID: <odd@hopital.example.test>\r\n"
    b"DKIM-Signature: v=1; a=rsa-sha256; d=hopital.example.test;\r\n"
    b"    h=from:to:subject; b=AbCd\r\n"
    b"\r\n"
    b"Corps du message.\r\n"
)

MULTIPART = (
    b"From: a@example.test\r\n"
    b"Subject: Avec PJ\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="XX"\r\n'
    b"\r\n"
    b"--XX\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"Texte.\r\n"
    b"--XX\r\n"
    b"Content-Type: application/pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVBERi0xLjQK\r\n"
    b"--XX--\r\n"
)


async def selected(talk: Talk, store: Store, *messages: bytes) -> None:
    await talk.login()
    for raw in messages:
        await deliver(store, USER, raw)
    await talk.cmd("s1 SELECT INBOX")


async def test_fetch_of_the_fast_items(talk: Talk, store: Store) -> None:
    await selected(talk, store, message_bytes(1))
    answer = await talk.cmd("a1 FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE)")
    size = len(message_bytes(1))
    wanted = b'* 1 FETCH (UID 1 FLAGS () INTERNALDATE "13-Jan-2025 09:30:00 +0000" RFC822.SIZE %d)' % size
    assert answer.startswith(wanted)
    assert b"a1 OK FETCH completed" in answer


async def test_macros_expand(talk: Talk, store: Store) -> None:
    await selected(talk, store, message_bytes(1))
    full = await talk.cmd("a1 FETCH 1 FULL")
    for item in (b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE", b"ENVELOPE", b"BODY ("):
        assert item in full


async def test_body_sets_seen_and_reports_the_new_flags(talk: Talk, store: Store) -> None:
    await selected(talk, store, message_bytes(1))
    answer = await talk.cmd("a1 FETCH 1 BODY[TEXT]")
    assert answer.startswith(b"* 1 FETCH (BODY[TEXT] {")
    assert b"FLAGS (\\Seen))\r\n" in answer
    assert b"FLAGS (\\Seen)" in await talk.cmd("a2 FETCH 1 FLAGS")


async def test_body_peek_does_not_set_seen(talk: Talk, store: Store) -> None:
    await selected(talk, store, message_bytes(1))
    await talk.cmd("a1 FETCH 1 BODY.PEEK[]")
    await talk.cmd("a2 FETCH 1 RFC822.HEADER")
    assert b"FLAGS ()" in await talk.cmd("a3 FETCH 1 FLAGS")
    assert b"FLAGS (\\Seen)" in await talk.cmd("a4 FETCH 1 RFC822")


async def test_headers_are_byte_exact_with_case_folding_and_raw_utf8(talk: Talk, store: Store) -> None:
    await selected(talk, store, ODD_HEADERS)
    header = ODD_HEADERS[: ODD_HEADERS.index(b"\r\n\r\n") + 4]
    answer = await talk.cmd("a1 FETCH 1 BODY.PEEK[HEADER]")
    assert b"BODY[HEADER] {%d}\r\n" % len(header) + header + b")" in answer
    fields = await talk.cmd("a2 FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT X-PATIENT-NOM dkim-signature)]")
    wanted = (
        b"Subject: Compte rendu\r\n\tsur deux lignes\r\n"
        b"X-Patient-Nom: M\xc3\xa9lanie Dupr\xc3\xa9\r\n"
        b"DKIM-Signature: v=1; a=rsa-sha256; d=hopital.example.test;\r\n    h=from:to:subject; b=AbCd\r\n\r\n"
    )
    assert b"BODY[HEADER.FIELDS (SUBJECT X-PATIENT-NOM dkim-signature)] {%d}\r\n" % len(wanted) + wanted in fields
    assert tagged(await talk.cmd("a3 FETCH 1 (ENVELOPE BODYSTRUCTURE)"), "a3") == b"a3 OK FETCH completed"
    assert tagged(await talk.cmd("a4 NOOP"), "a4") == b"a4 OK NOOP completed"


async def test_sections_of_a_multipart_message_and_partials(talk: Talk, store: Store) -> None:
    await selected(talk, store, MULTIPART)
    answer = await talk.cmd("a1 FETCH 1 (BODY.PEEK[1] BODY.PEEK[2.MIME] BODY.PEEK[2]<0.4> BODY.PEEK[3])")
    assert b"BODY[1] {6}\r\nTexte. " in answer  # the CRLF before a boundary belongs to the boundary
    assert b"BODY[2.MIME] {68}\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" in answer
    assert b"BODY[2]<0> {4}\r\nJVBE" in answer
    assert b'BODY[3] ""' in answer  # no such part: empty
    structure = await talk.cmd("a2 FETCH 1 BODYSTRUCTURE")
    assert b'("text" "plain" ("charset" "us-ascii")' in structure and b'"mixed"' in structure


async def test_uid_fetch_always_returns_uid(talk: Talk, store: Store) -> None:
    await selected(talk, store, message_bytes(1), message_bytes(2))
    answer = await talk.cmd("a1 UID FETCH 2:* FLAGS")
    assert answer.startswith(b"* 2 FETCH (UID 2 FLAGS ())\r\n")
    assert tagged(await talk.cmd("a2 UID FETCH 50:60 FLAGS"), "a2") == b"a2 OK FETCH completed"


async def test_a_sequence_number_above_the_count_is_bad(talk: Talk, store: Store) -> None:
    await selected(talk, store, message_bytes(1))
    assert tagged(await talk.cmd("a1 FETCH 2 FLAGS"), "a1") == b"a1 BAD Invalid message sequence number"
    assert tagged(await talk.cmd("a2 FETCH 1 BINARY[1]"), "a2") == b"a2 BAD BINARY is not supported"


async def test_modseq_and_changedsince(talk: Talk, store: Store) -> None:
    await selected(talk, store, message_bytes(1), message_bytes(2), message_bytes(3))
    before = int(re.search(rb"MODSEQ \((\d+)\)", await talk.cmd("a1 FETCH 3 MODSEQ")).group(1))  # type: ignore[union-attr]
    await talk.cmd("a2 STORE 2 +FLAGS (\\Flagged)")
    answer = await talk.cmd(f"a3 FETCH 1:* (FLAGS) (CHANGEDSINCE {before})")
    assert re.fullmatch(rb"\* 2 FETCH \(FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)\r\na3 OK FETCH completed\r\n", answer)


async def test_vanished_earlier_on_uid_fetch_changedsince(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 4)
    await talk.cmd("e1 ENABLE QRESYNC")
    modseq = int(re.search(rb"HIGHESTMODSEQ (\d+)", await talk.cmd("a1 SELECT INBOX")).group(1))  # type: ignore[union-attr]
    await talk.cmd("a2 STORE 3 +FLAGS (\\Deleted)")
    await talk.cmd("a3 EXPUNGE")
    answer = await talk.cmd(f"a4 UID FETCH 1:* FLAGS (CHANGEDSINCE {modseq} VANISHED)")
    assert answer.startswith(b"* VANISHED (EARLIER) 3\r\n")
    assert tagged(await talk.cmd(f"a5 FETCH 1 FLAGS (CHANGEDSINCE {modseq} VANISHED)"), "a5").startswith(b"a5 BAD")


async def test_one_audit_entry_per_content_fetch_naming_the_uids(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 50)
    await talk.cmd("a1 SELECT INBOX")
    before = len(await talk.traced(store, USER, 1000))
    await talk.cmd("a2 FETCH 1:50 BODY.PEEK[]")
    await talk.cmd("a3 FETCH 1:50 (FLAGS ENVELOPE)")  # no content: no trace
    entries = await talk.traced(store, USER, 1000)
    assert len(entries) == before + 1
    assert entries[0].action == "imap.fetch" and entries[0].result == "ok"
    assert '"uids":"1:50"' in entries[0].detail and '"count":50' in entries[0].detail
    assert "patient" not in entries[0].detail  # never content


async def test_fetch_of_many_messages_in_batches_keeps_order_and_numbers(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 30)
    await talk.cmd("a1 SELECT INBOX")
    talk.session.services.limits = type(talk.session.services.limits)(fetch_batch=7, body_batch_bytes=1000)
    answer = await talk.cmd("a2 FETCH 1:* (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    numbers = [int(n) for n in re.findall(rb"\* (\d+) FETCH \(UID (?:\d+)", answer)]
    assert numbers == list(range(1, 31))
    assert answer.count(b"Subject: Compte rendu") == 30
