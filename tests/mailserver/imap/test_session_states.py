"""The session state machine fed with bytes: capabilities by state and TLS, STARTTLS, commands out of their state,
malformed input, limits, and errors that must never end the session."""

from __future__ import annotations

from sqlalchemy import text

from mailserver.imap.services import ImapServices
from mailserver.store import Store
from tests.mailserver.imap.conftest import USER, Talk, fill, tagged


async def test_greeting_over_tls_offers_sasl_mechanisms_but_no_starttls(talk: Talk) -> None:
    assert talk.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 ")
    assert b"AUTH=PLAIN" in talk.greeting and b"AUTH=XOAUTH2" in talk.greeting and b"AUTH=OAUTHBEARER" in talk.greeting
    assert b"STARTTLS" not in talk.greeting and b"LOGINDISABLED" not in talk.greeting


async def test_before_starttls_login_is_disabled_and_no_mechanism_is_offered(services: ImapServices) -> None:
    plain = await Talk(services, tls=False, starttls=True).open()
    assert b"STARTTLS" in plain.greeting and b"LOGINDISABLED" in plain.greeting
    assert b"AUTH=" not in plain.greeting
    answer = await plain.cmd('a1 LOGIN "dr.bernard@example.test" "correct horse battery staple"')
    assert tagged(answer, "a1") == b"a1 NO [PRIVACYREQUIRED] Use STARTTLS first"
    assert tagged(await plain.cmd("a2 AUTHENTICATE PLAIN"), "a2").startswith(b"a2 NO [PRIVACYREQUIRED]")


async def test_starttls_changes_the_capabilities_and_drops_pipelined_plaintext(services: ImapServices) -> None:
    plain = await Talk(services, tls=False, starttls=True).open()
    answer = await plain.send(b"s1 STARTTLS\r\ns2 LOGIN injected command\r\n")
    assert answer == b"s1 OK Begin TLS negotiation now\r\n"  # s2 was sent in clear after STARTTLS: dropped
    assert plain.channel.tls_active
    caps = await plain.cmd("s3 CAPABILITY")
    assert b"STARTTLS" not in caps and b"LOGINDISABLED" not in caps and b"AUTH=PLAIN" in caps
    assert tagged(await plain.cmd("s4 STARTTLS"), "s4") == b"s4 BAD TLS is already active"


async def test_starttls_is_refused_on_the_implicit_tls_listener(talk: Talk) -> None:
    assert tagged(await talk.cmd("a1 STARTTLS"), "a1") == b"a1 BAD TLS is already active"


async def test_after_login_the_extensions_are_announced(talk: Talk) -> None:
    answer = await talk.login()
    for capability in (b"IDLE", b"UIDPLUS", b"MOVE", b"CONDSTORE", b"QRESYNC", b"LIST-STATUS", b"APPENDLIMIT="):
        assert capability in answer
    caps = await talk.cmd("a1 CAPABILITY")
    assert b"AUTH=" not in caps and b"THREAD=REFERENCES" in caps and b"SORT" in caps


async def test_commands_out_of_their_state_are_bad_and_the_session_goes_on(talk: Talk) -> None:
    assert tagged(await talk.cmd("a1 SELECT INBOX"), "a1") == b"a1 BAD Command not valid in this state"
    await talk.login()
    assert tagged(await talk.cmd("a2 FETCH 1 FLAGS"), "a2") == b"a2 BAD No mailbox selected"
    assert tagged(await talk.cmd('a3 LOGIN "x" "y"'), "a3") == b"a3 BAD Command not valid in this state"
    assert tagged(await talk.cmd("a4 NOOP"), "a4") == b"a4 OK NOOP completed"


async def test_malformed_input_is_bad_and_the_next_command_works(talk: Talk) -> None:
    answer = await talk.send(b"a1 FROBNICATE\r\n\x00\xff garbage\r\na2 FETCH\r\na3 NOOP\r\n")
    assert b"a1 BAD" in answer and b"* BAD" in answer and b"a2 BAD" in answer
    assert answer.endswith(b"a3 OK NOOP completed\r\n")


async def test_a_line_too_long_is_bad_and_the_session_continues(talk: Talk) -> None:
    answer = await talk.send(b"a1 LOGIN " + b"x" * 9000 + b"\r\na2 NOOP\r\n")
    assert b"a1 BAD Command line too long" in answer and answer.endswith(b"a2 OK NOOP completed\r\n")


async def test_before_login_a_message_sized_literal_is_refused(talk: Talk) -> None:
    answer = await talk.send(b"a1 APPEND INBOX {100000}\r\n")
    assert answer == b"a1 NO [TOOBIG] Literal too large\r\n"
    await talk.login()
    answer = await talk.send(b"a2 APPEND INBOX {100000}\r\n")
    assert answer == b"+ Ready for literal data\r\n"  # after login, APPEND may send a message-sized literal


async def test_too_many_bad_commands_in_a_row_end_the_session(services: ImapServices) -> None:
    talk = await Talk(services).open()
    answer = await talk.send(b"".join(b"b%d BOGUS\r\n" % n for n in range(25)))
    assert answer.endswith(b"* BYE Too many invalid commands\r\n")
    assert answer.count(b" BAD ") == services.limits.max_bad_commands
    assert talk.channel.closed and talk.session.closed


async def test_an_unexpected_error_is_no_serverbug_and_the_session_goes_on(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 2)
    await talk.cmd("a1 SELECT INBOX")
    async with store.engine.begin() as conn:  # break the store under the session's feet
        await conn.execute(text("DROP TABLE message_search"))
    answer = await talk.cmd("a2 SEARCH SUBJECT rendu")
    assert tagged(answer, "a2").startswith(b"a2 NO [SERVERBUG] Internal error, incident ")
    assert b"message_search" not in answer  # no detail leaks to the client
    assert tagged(await talk.cmd("a3 FETCH 1:* (UID FLAGS)"), "a3") == b"a3 OK FETCH completed"


async def test_logout_says_bye_then_ok_and_closes(talk: Talk) -> None:
    answer = await talk.cmd("a1 LOGOUT")
    assert answer == b"* BYE Logging out\r\na1 OK LOGOUT completed\r\n"
    assert talk.channel.closed
    assert await talk.send(b"a2 NOOP\r\n") == b""


async def test_idle_timeout_says_bye(talk: Talk) -> None:
    await talk.session.timed_out()
    assert talk.take() == b"* BYE Autologout; idle for too long\r\n"
    assert talk.channel.closed


async def test_sessions_per_user_are_limited(store: Store, services: ImapServices) -> None:
    limit = services.limits.max_sessions_per_user
    talks = [await Talk(services).open() for _ in range(limit + 1)]
    for talk in talks[:limit]:
        await talk.login()
    answer = await talks[limit].cmd('l9 LOGIN "dr.bernard@example.test" "correct horse battery staple"')
    assert tagged(answer, "l9") == b"l9 NO [LIMIT] Too many sessions for this user"
    await talks[0].cmd("a1 LOGOUT")  # a slot frees when a session ends
    await talks[limit].login()
    for talk in talks:
        await talk.close()
    assert services.registry.count(USER) == 0
