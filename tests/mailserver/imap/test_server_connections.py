"""The asyncio server on real sockets: implicit TLS and STARTTLS, client certificates, the idle timeout, hostile
input, write backpressure, and shutdown. No connection can take the server down."""

from __future__ import annotations

import asyncio
import dataclasses
import imaplib
import ssl
from pathlib import Path

import pytest

from mailserver.imap import listeners as imap_listeners
from mailserver.imap.services import SessionLimits
from mailserver.store import Store
from tests.mailserver.auth.issuer import Issuer
from tests.mailserver.imap.conftest import (
    APPLICATION,
    PASSWORD,
    USER,
    ImapServer,
    RawImap,
    deliver,
    message_bytes,
    no_sleep,
    populate,
)
from tests.pki_fixtures import PKIFixture
from tests.servers import client_tls, smtp_settings


async def test_implicit_tls_greets_with_the_capabilities(imap_server: ImapServer) -> None:
    raw = await RawImap.connect(imap_server, login=False)
    assert raw.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 ") and b"AUTH=PLAIN" in raw.greeting
    assert b"STARTTLS" not in raw.greeting
    await raw.close()


async def test_starttls_with_imaplib_then_login(imap_server: ImapServer) -> None:
    def scenario() -> list[str]:
        client = imaplib.IMAP4(imap_server.host, imap_server.starttls_port, timeout=20)
        before = list(client.capabilities)
        refused = client._simple_command("LOGIN", USER, client._quote(PASSWORD))[0]
        client.starttls(ssl_context=imap_server.ssl_context)
        client.login(USER, PASSWORD)
        client.logout()
        return [*before, refused]

    seen = await asyncio.to_thread(scenario)
    assert "STARTTLS" in seen and "LOGINDISABLED" in seen and seen[-1] == "NO"


async def test_plaintext_pipelined_after_starttls_is_not_executed(imap_server: ImapServer) -> None:
    reader, writer = await asyncio.open_connection(imap_server.host, imap_server.starttls_port)
    await reader.readline()
    writer.write(b"s1 STARTTLS\r\ns2 CAPABILITY\r\n")
    await writer.drain()
    assert await reader.readline() == b"s1 OK Begin TLS negotiation now\r\n"
    await writer.start_tls(imap_server.ssl_context)
    writer.write(b"s3 NOOP\r\n")
    await writer.drain()
    assert await reader.readline() == b"s3 OK NOOP completed\r\n"  # no answer to s2: it was dropped
    writer.close()


async def test_external_with_a_client_certificate_over_tls(imap_server: ImapServer) -> None:
    context = client_tls(imap_server.pki, imap_server.pki.organisation)
    server = dataclasses.replace(imap_server, ssl_context=context)
    raw = await RawImap.connect(server, login=False)
    assert b"AUTH=EXTERNAL" in raw.greeting
    answer = await raw.command("a1 AUTHENTICATE EXTERNAL =")
    assert answer.startswith(b"a1 OK [CAPABILITY ") and b"Logged in" in answer
    assert b"INBOX" in await raw.command('a2 LIST "" INBOX')
    await raw.close()
    entry = (await imap_server.store.audit.entries(target=imap_server.pki.organisation.subject_dn))[0]
    assert (entry.action, entry.result) == ("auth.login", "ok") and APPLICATION in entry.detail


async def refused_handshake(server: ImapServer, context: ssl.SSLContext) -> bytes:
    """The first line a client with this context reads; TLS 1.3 reports a refused certificate at that read."""
    reader, writer = await asyncio.open_connection(server.host, server.port, ssl=context)
    try:
        return await reader.readline()
    finally:
        writer.close()


async def test_an_expired_client_certificate_ends_the_handshake_and_the_server_goes_on(
    imap_server: ImapServer,
) -> None:
    context = client_tls(imap_server.pki, imap_server.pki.expired)
    try:
        greeting = await refused_handshake(imap_server, context)
    except (ssl.SSLError, ConnectionError):
        greeting = b""
    assert greeting == b""
    raw = await RawImap.connect(imap_server)
    assert b"a1 OK" in await raw.command("a1 NOOP")
    await raw.close()


async def test_garbage_and_dropped_connections_do_not_affect_other_sessions(imap_server: ImapServer) -> None:
    good = await RawImap.connect(imap_server)
    reader, writer = await asyncio.open_connection(imap_server.host, imap_server.port, ssl=imap_server.ssl_context)
    await reader.readline()
    writer.write(bytes(range(256)) * 200 + b"\r\nx APPEND INBOX {5000000+}\r\npartial")
    await writer.drain()
    writer.close()  # gone in the middle of a literal
    assert b"a1 OK" in await good.command("a1 NOOP")
    assert b"a2 OK" in await good.command("a2 SELECT INBOX")
    await good.close()


async def test_a_client_that_reads_slowly_gets_every_byte(imap_server: ImapServer) -> None:
    big = "Compte rendu détaillé, ligne de texte assez longue pour remplir.\n" * 2000  # about 130 KB each
    await asyncio.gather(*(deliver(imap_server.store, USER, message_bytes(n, body=big)) for n in range(40)))
    raw = await RawImap.connect(imap_server)
    await raw.command("a1 SELECT INBOX")
    raw.writer.write(b"a2 FETCH 1:* (UID BODY.PEEK[])\r\n")
    await raw.writer.drain()
    await asyncio.sleep(0.2)  # the server fills the socket buffers and must wait for the reader
    data = b""
    while not data.endswith(b"a2 OK FETCH completed\r\n"):
        chunk = await raw.reader.read(4096)
        assert chunk, data[-200:]
        data += chunk
    assert data.count(b" FETCH (UID ") == 40 and len(data) > 40 * 130_000
    await raw.close()


@pytest.fixture
async def short_timeout_server(store: Store, dev_pki: PKIFixture, issuer: Issuer, tmp_path: Path):  # type: ignore[no-untyped-def]
    await populate(store)
    settings = smtp_settings(tmp_path, dev_pki)
    settings = dataclasses.replace(settings, imap=dataclasses.replace(settings.imap, imap="", imaps="127.0.0.1:0"))
    listeners = await imap_listeners.build(settings, store, auth_sleep=no_sleep, limits=SessionLimits(idle_timeout=0.2))
    yield listeners
    await listeners.close()


async def test_an_idle_session_is_logged_out_with_bye(
    short_timeout_server: imap_listeners.ImapListeners, dev_pki: PKIFixture
) -> None:
    port = short_timeout_server.ports["imaps"]
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_tls(dev_pki))
    await reader.readline()
    async with asyncio.timeout(20):
        assert await reader.readline() == b"* BYE Autologout; idle for too long\r\n"
        assert await reader.read() == b""
    writer.close()


async def test_a_configured_idle_timeout_under_thirty_minutes_is_refused(
    store: Store, dev_pki: PKIFixture, tmp_path: Path
) -> None:
    settings = smtp_settings(tmp_path, dev_pki)
    settings = dataclasses.replace(settings, imap=dataclasses.replace(settings.imap, idle_timeout=60))
    with pytest.raises(Exception, match="idle_timeout"):
        await imap_listeners.build(settings, store)


async def test_shutdown_says_bye_to_every_session(imap_server: ImapServer) -> None:
    raw = await RawImap.connect(imap_server)
    await raw.command("a1 SELECT INBOX")
    await imap_server.listeners.close()
    async with asyncio.timeout(20):
        assert await raw.reader.readline() == b"* BYE Server shutting down\r\n"
    await raw.close()


async def test_a_client_that_stops_reading_is_disconnected_after_the_idle_timeout(
    short_timeout_server: imap_listeners.ImapListeners, dev_pki: PKIFixture, store: Store
) -> None:
    big = "x" * 200_000 + "\n"
    for n in range(40):
        await deliver(store, USER, message_bytes(n, body=big))
    port = short_timeout_server.ports["imaps"]
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_tls(dev_pki))
    await reader.readline()
    writer.write(f'a1 LOGIN "{USER}" "{PASSWORD}"\r\na2 SELECT INBOX\r\na3 FETCH 1:* BODY.PEEK[]\r\n'.encode())
    await writer.drain()
    sessions = short_timeout_server.services.registry.sessions
    async with asyncio.timeout(20):  # the session gives up on the client that never reads its 8 MB
        while sessions:  # noqa: ASYNC110 - polling the server's registry from outside
            await asyncio.sleep(0.05)
    writer.close()
