"""The defects that ruled out `twisted.mail.imap4` (DESIGN.md §2), each shown absent with imaplib over TLS.

One test per defect: header names keep their case byte for byte, a raw UTF-8 header never drops the connection, an
APPEND without a flag list is OK, COPY (and MOVE, APPEND) to a missing folder is `NO [TRYCREATE]`, a failed
operation is never reported OK, `BODY[]` sets `\\Seen`, and SELECT reports UIDNEXT (with UIDVALIDITY and
HIGHESTMODSEQ). imaplib is blocking: each scenario runs in a thread while the server serves on the test's loop.
"""

from __future__ import annotations

import imaplib
import re
from typing import Any

from tests.mailserver.imap.conftest import READ_ONLY_SHARED, ImapServer, deliver
from tests.mailserver.imap.interop import awkward_messages, deliver_raw, in_thread, joined, ok

MIXED_CASE, UTF8 = 0, 1  # indexes in awkward_messages()
MISSING = '"Nulle part"'  # imaplib sends mailbox names as given: quoted here


async def test_fetched_headers_keep_the_case_and_folding_of_header_names_byte_for_byte(
    imap_server: ImapServer,
) -> None:
    raw = awkward_messages()[MIXED_CASE]
    (uid,) = await deliver_raw(imap_server.store, imap_server.user, [raw])
    header = raw[: raw.index(b"\r\n\r\n") + 4]

    def scenario(c: imaplib.IMAP4) -> dict[str, bytes]:
        ok(c.select("INBOX"))
        got = {}
        for item in (
            "BODY.PEEK[HEADER]",
            "RFC822.HEADER",
            "BODY.PEEK[]",
            "BODY.PEEK[HEADER.FIELDS (x-mixed-case SUBJECT X-LOWER-CASE)]",
        ):
            data = ok(c.uid("FETCH", str(uid), f"({item})"))
            got[item] = data[0][1]
        return got

    got = await in_thread(imap_server, scenario)
    assert got["BODY.PEEK[HEADER]"] == header
    assert got["RFC822.HEADER"] == header
    assert got["BODY.PEEK[]"] == raw
    # RFC 3501 §6.4.5: the subset is the lines of the fields asked for, as they are in the message.
    assert got["BODY.PEEK[HEADER.FIELDS (x-mixed-case SUBJECT X-LOWER-CASE)]"] == (
        b"SUBJECT: Compte rendu\r\n  sur deux lignes\r\nX-MiXeD-CaSe: valeur   \r\n"
        b"x-lower-case:\tavec tabulation\r\n\tet suite\r\n\r\n"
    )


async def test_a_raw_utf8_header_never_drops_the_connection(imap_server: ImapServer) -> None:
    raw = awkward_messages()[UTF8]
    (uid,) = await deliver_raw(imap_server.store, imap_server.user, [raw])
    subject = "Résultats d'analyse — échographie ✓".encode()

    def scenario(c: imaplib.IMAP4) -> None:
        ok(c.select("INBOX"))
        data = ok(c.uid("FETCH", str(uid), "(ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])"))
        flat = joined(data)
        assert subject in flat and "Secrétariat Médical".encode() in flat, flat
        assert ok(c.uid("FETCH", str(uid), "(BODY.PEEK[])"))[0][1] == raw
        c.literal = "échographie".encode()  # type: ignore[assignment]  # imaplib sends bytes literals
        assert ok(c.uid("SEARCH", "CHARSET", "UTF-8", "SUBJECT"))[0] == str(uid).encode()
        appended = raw.replace(b"<utf8@", b"<utf8-append@")
        assert b"APPENDUID" in ok(c.append("INBOX", None, None, appended))[0]
        ok(c.noop())

    await in_thread(imap_server, scenario)


async def test_append_without_a_flag_list_is_ok_and_stores_the_message_unflagged(imap_server: ImapServer) -> None:
    raw = b"From: a@example.test\r\nSubject: sans drapeau\r\n\r\nCorps.\r\n"

    def scenario(c: imaplib.IMAP4) -> tuple[list[Any], list[Any]]:
        appended = ok(c.append("INBOX", None, None, raw))
        ok(c.select("INBOX"))
        return appended, ok(c.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])"))

    appended, fetched = await in_thread(imap_server, scenario)
    assert re.fullmatch(rb"\[APPENDUID \d+ 1\] .*", appended[0]), appended
    assert fetched[0][0].endswith(b"FLAGS () BODY[] {%d}" % len(raw)), fetched
    assert fetched[0][1] == raw


async def test_copy_move_and_append_to_a_missing_folder_are_no_trycreate(imap_server: ImapServer) -> None:
    await deliver(imap_server.store, imap_server.user, awkward_messages()[MIXED_CASE])

    def scenario(c: imaplib.IMAP4) -> list[tuple[str, list[Any]]]:
        ok(c.select("INBOX"))
        return [
            c.copy("1", MISSING),
            c.uid("COPY", "1", MISSING),
            c.uid("MOVE", "1", MISSING),
            c.append(MISSING, None, None, b"Subject: x\r\n\r\ny\r\n"),
            c.noop(),
            c.uid("FETCH", "1", "(UID)"),
        ]

    *refused, noop, still_there = await in_thread(imap_server, scenario)
    for status, data in refused:  # RFC 3501 §6.4.7, §6.3.11; RFC 6851 §3.3
        assert (status, data[0][:11]) == ("NO", b"[TRYCREATE]"), (status, data)
    assert noop[0] == "OK"
    assert still_there == ("OK", [b"1 (UID 1)"])  # a refused MOVE left the message where it was


async def test_a_refused_store_on_a_read_only_shared_folder_is_no_never_ok(imap_server: ImapServer) -> None:
    owner = await imap_server.store.accounts.get_mailbox(READ_ONLY_SHARED)
    assert owner is not None
    await deliver(imap_server.store, READ_ONLY_SHARED, awkward_messages()[MIXED_CASE])
    folder = f'"Shared/{READ_ONLY_SHARED}/INBOX"'

    def scenario(c: imaplib.IMAP4) -> list[tuple[str, list[Any]]]:
        status, data = c._simple_command("SELECT", folder)  # c.select() raises on READ-ONLY
        assert status == "OK" and b"READ-ONLY" in data[-1], (status, data)
        c.state, c.is_readonly = "SELECTED", True
        return [
            c.store("1", "+FLAGS", "(\\Flagged)"),
            c.expunge(),
            c.append(folder, None, None, b"Subject: x\r\n\r\ny\r\n"),
            c.fetch("1", "(FLAGS)"),
        ]

    *refused, flags = await in_thread(imap_server, scenario)
    for status, data in refused:
        assert status == "NO", (status, data)
    assert flags == ("OK", [b"1 (FLAGS ())"])


async def test_body_fetch_sets_seen_and_says_so_while_peek_does_not(imap_server: ImapServer) -> None:
    raw = awkward_messages()[UTF8]
    await deliver_raw(imap_server.store, imap_server.user, [raw, raw.replace(b"<utf8@", b"<autre@")])

    def scenario(c: imaplib.IMAP4) -> tuple[list[Any], ...]:
        ok(c.select("INBOX"))
        peeked = ok(c.fetch("1", "(BODY.PEEK[])"))
        after_peek = ok(c.fetch("1", "(FLAGS)"))
        fetched = ok(c.fetch("1", "(BODY[])"))
        rfc822 = ok(c.fetch("2", "(RFC822)"))
        after = ok(c.fetch("1:2", "(FLAGS)"))
        return peeked, after_peek, fetched, rfc822, after

    peeked, after_peek, fetched, rfc822, after = await in_thread(imap_server, scenario)
    assert peeked[0][1] == fetched[0][1] == raw
    assert after_peek == [b"1 (FLAGS ())"]
    # RFC 3501 §6.4.5: the flag change is reported in the same FETCH response.
    assert b"FLAGS (\\Seen)" in joined(fetched).replace(raw, b""), fetched
    assert b"FLAGS (\\Seen)" in joined(rfc822).replace(raw.replace(b"<utf8@", b"<autre@"), b""), rfc822
    assert after == [b"1 (FLAGS (\\Seen))", b"2 (FLAGS (\\Seen))"]


async def test_select_reports_uidnext_uidvalidity_and_highestmodseq(imap_server: ImapServer) -> None:
    await deliver_raw(imap_server.store, imap_server.user, awkward_messages()[:2])

    def scenario(c: imaplib.IMAP4) -> dict[str, list[Any]]:
        ok(c.select("INBOX"))
        return dict(c.untagged_responses)

    untagged = await in_thread(imap_server, scenario)
    assert untagged["UIDNEXT"] == [b"3"]
    assert untagged["EXISTS"] == [b"2"]
    assert re.fullmatch(rb"\d+", untagged["UIDVALIDITY"][0])
    assert int(untagged["HIGHESTMODSEQ"][0]) >= 2
