"""IDLE: updates pushed while idling (new mail, another session's flags and expunges), DONE, and what ends IDLE."""

from __future__ import annotations

import asyncio

from mailserver.imap.services import ImapServices
from mailserver.store import Store
from tests.mailserver.imap.conftest import USER, Talk, deliver, fill, message_bytes


async def pushed(talk: Talk, wanted: bytes) -> bytes:
    """What the server pushed, once it contains `wanted` (the test fails if it never comes)."""
    async with asyncio.timeout(10):
        await talk.channel.wait_for(wanted)
    return talk.take()


async def test_idle_pushes_new_mail_and_ends_with_done(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 1)
    await talk.cmd("a1 SELECT INBOX")
    assert await talk.send(b"a2 IDLE\r\n") == b"+ idling\r\n"
    await deliver(store, USER, message_bytes(2))
    assert await pushed(talk, b"* 2 EXISTS\r\n") == b"* 2 EXISTS\r\n"
    assert await talk.send(b"DONE\r\n") == b"a2 OK IDLE completed\r\n"
    assert await talk.cmd("a3 NOOP") == b"a3 OK NOOP completed\r\n"


async def test_idle_pushes_another_sessions_flags_and_expunges(
    talk: Talk, store: Store, services: ImapServices
) -> None:
    await talk.login()
    await fill(store, USER, 3)
    other = await Talk(services).open()
    await other.login()
    await talk.cmd("a1 SELECT INBOX")
    await other.cmd("b1 SELECT INBOX")
    await talk.send(b"a2 IDLE\r\n")
    await other.cmd("b2 STORE 3 +FLAGS (\\Flagged)")
    assert await pushed(talk, b"* 3 FETCH") == b"* 3 FETCH (UID 3 FLAGS (\\Flagged))\r\n"
    await other.cmd("b3 STORE 1 +FLAGS.SILENT (\\Deleted)")
    await other.cmd("b4 EXPUNGE")
    assert b"* 1 EXPUNGE\r\n" in await pushed(talk, b"* 1 EXPUNGE\r\n")
    assert await talk.send(b"done\r\n") == b"a2 OK IDLE completed\r\n"
    await other.close()


async def test_anything_but_done_ends_idle_with_bad(talk: Talk) -> None:
    await talk.login()
    await talk.cmd("a1 SELECT INBOX")
    await talk.send(b"a2 IDLE\r\n")
    assert await talk.send(b"a3 NOOP\r\n") == b"a2 BAD Expected DONE\r\n"
    assert await talk.cmd("a4 NOOP") == b"a4 OK NOOP completed\r\n"


async def test_idle_in_the_authenticated_state_waits_for_done(talk: Talk) -> None:
    await talk.login()
    assert await talk.send(b"a1 IDLE\r\n") == b"+ idling\r\n"
    assert await talk.send(b"DONE\r\n") == b"a1 OK IDLE completed\r\n"


async def test_closing_an_idling_session_stops_its_push(talk: Talk, store: Store) -> None:
    await talk.login()
    await talk.cmd("a1 SELECT INBOX")
    await talk.send(b"a2 IDLE\r\n")
    await talk.close()
    await deliver(store, USER, message_bytes(1))
    await asyncio.sleep(0.05)
    assert talk.take() == b""
