"""aioimaplib in IDLE receives EXISTS when a message arrives: delivered through the store, and submitted over SMTP."""

from __future__ import annotations

import asyncio
import smtplib
from pathlib import Path

import aioimaplib

from tests.mailserver.imap.conftest import OTHER, PASSWORD, USER, ImapServer, deliver, message_bytes
from tests.servers import client_tls, running_smtp, smtp_settings


async def idle_client(server: ImapServer) -> aioimaplib.IMAP4_SSL:
    client = aioimaplib.IMAP4_SSL(server.host, server.port, ssl_context=server.ssl_context, timeout=20)
    await client.wait_hello_from_server()
    assert (await client.login(server.user, server.password)).result == "OK"
    assert (await client.select("INBOX")).result == "OK"
    return client


async def wait_for_exists(client: aioimaplib.IMAP4_SSL, count: int) -> list[str]:
    """Server pushes until `* <count> EXISTS` arrives."""
    seen: list[str] = []
    async with asyncio.timeout(20):
        while f"{count} EXISTS" not in seen:
            push = await client.wait_server_push(timeout=20)
            lines = push if isinstance(push, list) else [push]
            seen += [line.decode() if isinstance(line, bytes) else str(line) for line in lines]
    return seen


async def stop_idle(client: aioimaplib.IMAP4_SSL, idle: asyncio.Future[object]) -> None:
    client.idle_done()
    async with asyncio.timeout(20):
        await idle
    await client.logout()


async def test_idle_receives_exists_when_the_store_delivers(imap_server: ImapServer) -> None:
    client = await idle_client(imap_server)
    idle = await client.idle_start(timeout=60)
    await deliver(imap_server.store, USER, message_bytes(1))
    assert "1 EXISTS" in await wait_for_exists(client, 1)
    await stop_idle(client, idle)


def _submit(port: int, server: ImapServer) -> None:
    message = (
        f"From: {OTHER}\r\nTo: {USER}\r\nSubject: Avis\r\nMessage-ID: <avis@example.test>\r\n"
        "Date: Mon, 13 Jan 2025 10:00:00 +0100\r\n\r\nMerci.\r\n"
    ).encode()
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
        smtp.starttls(context=client_tls(server.pki))
        smtp.ehlo("client.example.test")
        smtp.login(OTHER, PASSWORD)
        smtp.sendmail(OTHER, [USER], message)


async def test_idle_receives_exists_when_smtp_delivers(imap_server: ImapServer, tmp_path: Path) -> None:
    settings = smtp_settings(tmp_path, imap_server.pki, auth=imap_server.issuer.settings())
    async with running_smtp(settings, imap_server.store) as smtp:
        client = await idle_client(imap_server)
        idle = await client.idle_start(timeout=60)
        await asyncio.to_thread(_submit, smtp.ports["submission"], imap_server)
        assert "1 EXISTS" in await wait_for_exists(client, 1)
        await stop_idle(client, idle)
