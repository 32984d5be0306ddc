"""APPEND: APPENDUID after the commit, optional flag list and date, TRYCREATE, rights, and the selected folder."""

from __future__ import annotations

import re

from mailserver.store import Store
from tests.mailserver.imap.conftest import Talk, message_bytes, tagged


def append_command(tag: str, mailbox: str, raw: bytes, extra: str = "", *, plus: bool = True) -> bytes:
    marker = b"{%d+}" % len(raw) if plus else b"{%d}" % len(raw)
    head = f"{tag} APPEND {mailbox}{' ' + extra if extra else ''} ".encode()
    return head + marker + b"\r\n" + raw + b"\r\n"


async def test_append_without_flags_answers_appenduid_and_the_message_is_there(talk: Talk) -> None:
    await talk.login()
    raw = message_bytes(1)
    answer = await talk.send(append_command("a1", "Drafts", raw))
    found = re.fullmatch(rb"a1 OK \[APPENDUID (\d+) 1\] APPEND completed\r\n", answer)
    assert found is not None
    status = await talk.cmd("a2 STATUS Drafts (MESSAGES UIDVALIDITY)")
    assert b"MESSAGES 1 UIDVALIDITY " + found.group(1) in status
    await talk.cmd("a3 SELECT Drafts")
    assert raw in await talk.cmd("a4 FETCH 1 BODY.PEEK[]")


async def test_append_with_flags_and_a_date(talk: Talk) -> None:
    await talk.login()
    raw = message_bytes(2)
    flags_and_date = '(\\Seen $Label1 \\Recent) "05-Feb-2025 10:00:00 +0100"'
    answer = await talk.send(append_command("a1", "Sent", raw, flags_and_date))
    assert tagged(answer, "a1").startswith(b"a1 OK [APPENDUID ")
    await talk.cmd("a2 SELECT Sent")
    fetched = await talk.cmd("a3 FETCH 1 (FLAGS INTERNALDATE)")
    assert b'FLAGS ($Label1 \\Seen) INTERNALDATE " 5-Feb-2025 09:00:00 +0000"' in fetched


async def test_append_with_a_synchronising_literal(talk: Talk) -> None:
    await talk.login()
    raw = message_bytes(3)
    assert await talk.send(b"a1 APPEND INBOX {%d}\r\n" % len(raw)) == b"+ Ready for literal data\r\n"
    assert tagged(await talk.send(raw + b"\r\n"), "a1").startswith(b"a1 OK [APPENDUID ")


async def test_append_to_a_missing_folder_is_trycreate(talk: Talk) -> None:
    await talk.login()
    answer = await talk.send(append_command("a1", "Nowhere", message_bytes(1)))
    assert answer == b"a1 NO [TRYCREATE] No such mailbox\r\n"


async def test_append_to_a_read_only_shared_mailbox_is_refused(talk: Talk) -> None:
    await talk.login()
    answer = await talk.send(append_command("a1", "Shared/archives@example.test/INBOX", message_bytes(1)))
    assert answer == b"a1 NO [NOPERM] Permission denied\r\n"


async def test_append_to_the_selected_folder_announces_exists(talk: Talk) -> None:
    await talk.login()
    await talk.cmd("a1 SELECT INBOX")
    answer = await talk.send(append_command("a2", "INBOX", message_bytes(1)))
    assert b"* 1 EXISTS\r\n" in answer and tagged(answer, "a2").startswith(b"a2 OK [APPENDUID ")


async def test_an_empty_message_is_refused(talk: Talk) -> None:
    await talk.login()
    assert tagged(await talk.send(b"a1 APPEND INBOX {0+}\r\n\r\n"), "a1") == b"a1 NO [CANNOT] Empty message"


async def test_append_is_searchable_through_the_summary_computed_at_append(talk: Talk, store: Store) -> None:
    await talk.login()
    await talk.send(append_command("a1", "INBOX", message_bytes(7, subject="Échographie cardiaque")))
    await talk.cmd("a2 SELECT INBOX")
    assert b"* SEARCH 1\r\n" in await talk.cmd("a3 SEARCH CHARSET UTF-8 SUBJECT échographie")
    assert b'"=?' not in await talk.cmd("a4 FETCH 1 ENVELOPE")
