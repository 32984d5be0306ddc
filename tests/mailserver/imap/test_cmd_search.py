"""SEARCH (plain and ESEARCH), CHARSET, MODSEQ, and SORT, on the store's indexes."""

from __future__ import annotations

import re
from datetime import timedelta

from mailserver.store import Store
from tests.mailserver.imap.conftest import T0, USER, Talk, deliver, message_bytes, tagged


async def corpus(talk: Talk, store: Store) -> None:
    await talk.login()
    await deliver(store, USER, message_bytes(1, subject="Bilan sanguin", body="Cholestérol élevé.\n"), when=T0)
    await deliver(
        store,
        USER,
        message_bytes(2, subject="Re: Bilan sanguin", sender="Zoé Alpha <zoe@labo.example.test>", body="Vu.\n"),
        when=T0 + timedelta(days=2),
    )
    third = message_bytes(3, subject="Échographie", body="Rien à signaler.\n")
    await deliver(store, USER, third, when=T0 + timedelta(days=5))
    await talk.cmd("s1 SELECT INBOX")


async def test_search_by_header_body_text_and_flags(talk: Talk, store: Store) -> None:
    await corpus(talk, store)
    assert b"* SEARCH 1 2\r\n" in await talk.cmd("a1 SEARCH SUBJECT bilan")
    assert b"* SEARCH 1\r\n" in await talk.cmd("a2 SEARCH CHARSET UTF-8 BODY cholestérol")
    assert b"* SEARCH 2\r\n" in await talk.cmd("a3 SEARCH FROM zoe@labo")
    assert b"* SEARCH 3\r\n" in await talk.cmd("a4 SEARCH TEXT signaler")
    await talk.cmd("a5 STORE 2 +FLAGS (\\Seen)")
    assert b"* SEARCH 1 3\r\n" in await talk.cmd("a6 SEARCH UNSEEN")
    assert b"* SEARCH 2 3\r\n" in await talk.cmd("a7 SEARCH OR SEEN SUBJECT échographie")
    assert b"* SEARCH 1\r\n" in await talk.cmd("a8 SEARCH NOT SEEN HEADER Message-ID m1@")
    assert b"* SEARCH\r\n" in await talk.cmd("a9 SEARCH RECENT")


async def test_search_by_dates_sizes_and_sets(talk: Talk, store: Store) -> None:
    await corpus(talk, store)
    assert b"* SEARCH 2 3\r\n" in await talk.cmd("a1 SEARCH SINCE 14-Jan-2025")
    assert b"* SEARCH 1\r\n" in await talk.cmd("a2 SEARCH BEFORE 14-Jan-2025")
    assert b"* SEARCH 1 2 3\r\n" in await talk.cmd("a3 SEARCH SENTON 13-Jan-2025")
    assert b"* SEARCH 1 2 3\r\n" in await talk.cmd("a4 SEARCH LARGER 10")
    assert b"* SEARCH 2:3\r\n" not in await talk.cmd("a5 SEARCH 2:3")
    assert b"* SEARCH 2 3\r\n" in await talk.cmd("a6 SEARCH 2:*")
    assert b"* SEARCH 3\r\n" in await talk.cmd("a7 UID SEARCH UID 3:*")
    assert tagged(await talk.cmd("a8 SEARCH 9"), "a8") == b"a8 BAD Invalid message sequence number"


async def test_esearch_return_options(talk: Talk, store: Store) -> None:
    await corpus(talk, store)
    answer = await talk.cmd("a1 UID SEARCH RETURN (MIN MAX COUNT ALL) SUBJECT bilan")
    assert b'* ESEARCH (TAG "a1") UID MIN 1 MAX 2 COUNT 2 ALL 1:2\r\n' in answer
    assert b'* ESEARCH (TAG "a2") COUNT 0\r\n' in await talk.cmd("a2 SEARCH RETURN (COUNT MIN) SUBJECT absent")
    assert b'* ESEARCH (TAG "a3") ALL 1:3\r\n' in await talk.cmd("a3 SEARCH RETURN () ALL")
    assert tagged(await talk.cmd("a4 SEARCH RETURN (SAVE) ALL"), "a4").startswith(b"a4 BAD")


async def test_unknown_charset_is_badcharset(talk: Talk, store: Store) -> None:
    await corpus(talk, store)
    answer = await talk.cmd("a1 SEARCH CHARSET KOI8-R SUBJECT x")
    assert tagged(answer, "a1").startswith(b"a1 NO [BADCHARSET (UTF-8 US-ASCII ISO-8859-1 ISO-8859-15)]")


async def test_search_modseq_reports_the_highest_modseq(talk: Talk, store: Store) -> None:
    await corpus(talk, store)
    await talk.cmd("a1 STORE 3 +FLAGS (\\Flagged)")
    answer = await talk.cmd("a2 SEARCH MODSEQ 1")
    assert re.search(rb"\* SEARCH 1 2 3 \(MODSEQ \d+\)\r\n", answer)


async def test_sort_by_subject_date_from_and_reverse(talk: Talk, store: Store) -> None:
    await corpus(talk, store)
    assert b"* SORT 1 2 3\r\n" in await talk.cmd("a1 SORT (SUBJECT) UTF-8 ALL")
    assert b"* SORT 3 2 1\r\n" in await talk.cmd("a2 SORT (REVERSE ARRIVAL) UTF-8 ALL")
    assert b"* SORT 2 1 3\r\n" in await talk.cmd("a3 SORT (REVERSE FROM ARRIVAL) UTF-8 ALL")  # zoe, then claire.martin
    assert b"* SORT 2 1\r\n" in await talk.cmd("a4 UID SORT (REVERSE ARRIVAL) UTF-8 SUBJECT bilan")


async def test_thread_orderedsubject_and_references(talk: Talk, store: Store) -> None:
    await talk.login()
    await deliver(store, USER, message_bytes(1, subject="Dossier A"), when=T0)
    await deliver(store, USER, message_bytes(2, subject="Autre"), when=T0 + timedelta(hours=1))
    reply = message_bytes(3, subject="Re: Dossier A", extra="In-Reply-To: <m1@hopital.example.test>")
    await deliver(store, USER, reply, when=T0 + timedelta(hours=2))
    await talk.cmd("s1 SELECT INBOX")
    assert b"* THREAD (1 3)(2)\r\n" in await talk.cmd("a1 THREAD REFERENCES UTF-8 ALL")
    assert b"* THREAD (1 3)(2)\r\n" in await talk.cmd("a2 THREAD ORDEREDSUBJECT UTF-8 ALL")  # same Date: UID order
    assert b"* THREAD\r\n" in await talk.cmd("a3 UID THREAD REFERENCES UTF-8 SUBJECT absent")
