"""SMTP smuggling (bare CR/LF ends of data): every variant is refused with 550 5.5.2 as one message, and nothing
after the fake end is ever run as a command. Sent raw over a socket, as a sloppy upstream MTA would relay them."""

from __future__ import annotations

import asyncio

import pytest

from tests.mailserver.smtp.conftest import PARTNER, Instance
from tests.mailserver.smtp.mailbox_reading import messages_of
from tests.mailserver.smtp.rawclient import RawSession
from tests.servers import client_tls

SMUGGLED = (
    b"MAIL FROM:<ceo@" + PARTNER.encode() + b">\r\n"
    b"RCPT TO:<dr.martin@example.test>\r\n"
    b"DATA\r\n"
    b"Subject: smuggled\r\n\r\nnot from who you think\r\n"
)
FAKE_ENDS = [b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r\n.\r", b"\r.\r\n", b"\r\n.\n", b"\n.\r", b".\n"]


def smuggle(instance: Instance, fake_end: bytes) -> list[str]:
    session = RawSession.open(instance.mx, client_tls(instance.pki, instance.pki.server))
    try:
        assert session.command(b"MAIL FROM:<dr.durand@partner.test>").startswith("250")
        assert session.command(b"RCPT TO:<dr.martin@example.test>").startswith("250")
        assert session.command(b"DATA").startswith("354")
        session.send(b"Subject: first\r\n\r\nfirst message" + fake_end + SMUGGLED + b"\r\n.\r\nQUIT\r\n")
        replies = [session.reply(), session.reply()]
        assert session.closed()
        return replies
    finally:
        session.close()


@pytest.mark.parametrize("fake_end", FAKE_ENDS, ids=[repr(e)[2:-1] for e in FAKE_ENDS])
async def test_fake_end_of_data_is_refused_and_what_follows_is_never_a_command(
    instance: Instance, fake_end: bytes
) -> None:
    first, second = await asyncio.to_thread(smuggle, instance, fake_end)
    assert first.startswith("550 5.5.2")
    assert second.startswith("221 2.0.0")  # the QUIT after the real end: nothing in between was answered
    assert await messages_of(instance.store, "dr.martin@example.test") == []


def clean_then_bare(instance: Instance) -> list[str]:
    session = RawSession.open(instance.mx, client_tls(instance.pki, instance.pki.server))
    try:
        out = []
        for body in (b"Subject: ok\r\n\r\nclean\r\n", b"Subject: bad\r\n\r\nbare\nline\r\n"):
            session.command(b"MAIL FROM:<dr.durand@partner.test>")
            session.command(b"RCPT TO:<dr.martin@example.test>")
            session.command(b"DATA")
            out.append(session.command(body + b"."))
        return out
    finally:
        session.close()


async def test_the_session_goes_on_after_a_refused_message_and_clean_messages_pass(instance: Instance) -> None:
    ok, bad = await asyncio.to_thread(clean_then_bare, instance)
    assert ok.startswith("250 2.0.0") and bad.startswith("550 5.5.2")
    (stored,) = await messages_of(instance.store, "dr.martin@example.test")
    assert stored.endswith(b"clean\r\n")
