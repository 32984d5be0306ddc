"""The MX against the agency's audit cases (DOMAIN.md §1): no TLS, no/expired/revoked/untrusted certificate,
a DN that does not match the whitelist, revocation status unknown, and the valid case; plus no relaying."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from pathlib import Path

import pytest

from mailserver.crypto.pki import IssuedCertificate
from mailserver.store import Store
from tests.mailserver.smtp.conftest import PARTNER, Instance, populate
from tests.mailserver.smtp.mailbox_reading import messages_of
from tests.pki_fixtures import PKIFixture
from tests.servers import client_tls, running_smtp, smtp_settings

MESSAGE = (
    b"From: Dr Durand <dr.durand@partner.test>\r\n"
    b"To: dr.martin@example.test\r\n"
    b"Subject: Compte rendu\r\n"
    b"Message-ID: <cr-1@partner.test>\r\n"
    b"X-MSS-NIL: LOGICIEL-42\r\n"
    b"X-MSS-CODECDA: 11490-0\r\n"
    b"\r\n"
    b"Bonjour,\r\n.. une ligne qui commence par un point\r\n"
)


def mx_send(
    port: int,
    tls: ssl.SSLContext | None,
    mail_from: str = f"dr.durand@{PARTNER}",
    rcpts: tuple[str, ...] = ("dr.martin@example.test",),
    message: bytes = MESSAGE,
) -> list[tuple[int, bytes]]:
    """The replies to MAIL, each RCPT and DATA (DATA only when a recipient was accepted)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
        client.ehlo("mx.partner.test")
        if tls is not None:
            client.starttls(context=tls)
            client.ehlo("mx.partner.test")
        replies = [client.mail(mail_from)]
        if replies[0][0] != 250:
            return replies
        replies += [client.rcpt(r) for r in rcpts]
        if any(code == 250 for code, _ in replies[1:]):
            replies.append(client.data(message))
        return replies


async def send(port: int, tls: ssl.SSLContext | None, **kw: object) -> list[tuple[int, bytes]]:
    return await asyncio.to_thread(mx_send, port, tls, **kw)  # type: ignore[arg-type]


def status(reply: tuple[int, bytes]) -> str:
    code, text = reply
    return f"{code} {text.decode().split(' ', 1)[0]}"


async def test_valid_certificate_of_a_whitelisted_operator_is_accepted_and_stored(instance: Instance) -> None:
    replies = await send(instance.mx, client_tls(instance.pki, instance.pki.server))
    assert [status(r) for r in replies] == ["250 2.1.0", "250 2.1.5", "250 2.0.0"]
    (stored,) = await messages_of(instance.store, "dr.martin@example.test")
    assert stored.startswith(b"Return-Path: <dr.durand@partner.test>\r\nReceived: from mx.partner.test (")
    assert b"with ESMTPS (TLSv1.3" in stored or b"with ESMTPS (TLSv1.2" in stored
    assert stored.count(b"Received:") == 1
    assert stored.endswith(MESSAGE)  # X-MSS-* unchanged; the client's dot-stuffing undone exactly


async def test_mail_before_starttls_is_refused_with_530_5_7_0(instance: Instance) -> None:
    assert [status(r) for r in await send(instance.mx, None)] == ["530 5.7.0"]


async def test_no_client_certificate_is_refused_with_550_5_7_1(instance: Instance) -> None:
    (reply,) = await send(instance.mx, client_tls(instance.pki))
    assert status(reply) == "550 5.7.1" and b"certificate" in reply[1]


@pytest.mark.parametrize(
    ("which", "words"),
    [("expired", b"expired"), ("not_yet_valid", b"not yet valid"), ("revoked", b"revoked")],
)
async def test_whitelisted_but_expired_early_or_revoked_certificate_is_refused_with_550_5_7_1(
    instance: Instance, which: str, words: bytes
) -> None:
    certificate: IssuedCertificate = getattr(instance.pki, which)
    (reply,) = await send(instance.mx, client_tls(instance.pki, certificate))
    assert status(reply) == "550 5.7.1" and words in reply[1]
    assert await messages_of(instance.store, "dr.martin@example.test") == []


async def test_certificate_whose_dn_is_not_on_the_whitelist_is_refused_with_550_5_7_1(instance: Instance) -> None:
    (reply,) = await send(instance.mx, client_tls(instance.pki, instance.pki.organisation))
    assert status(reply) == "550 5.7.1" and b"does not match" in reply[1]


async def test_sender_domain_outside_the_trust_space_is_refused_with_550_5_7_1(instance: Instance) -> None:
    (reply,) = await send(instance.mx, client_tls(instance.pki, instance.pki.server), mail_from="x@gmail.test")
    assert status(reply) == "550 5.7.1" and b"trust space" in reply[1]


async def test_certificate_from_an_untrusted_ca_never_gets_a_session(
    instance: Instance, foreign_pki: PKIFixture
) -> None:
    # OpenSSL checks the chain against our anchors during the handshake and ends it (alert unknown_ca): the
    # peer never reaches MAIL under TLS, and without TLS it gets 530 5.7.0.
    tls = client_context_trusting(instance.pki, foreign_pki.server)
    with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionError)):
        await send(instance.mx, tls)
    assert [status(r) for r in await send(instance.mx, None)] == ["530 5.7.0"]
    assert await messages_of(instance.store, "dr.martin@example.test") == []


def client_context_trusting(server_pki: PKIFixture, certificate: IssuedCertificate) -> ssl.SSLContext:
    from mailserver.crypto.tls import client_context

    return client_context(
        anchors=[server_pki.root_ca],
        cert_path=certificate.cert_path,
        key_path=certificate.key_path,
        check_hostname=False,
    )


async def test_unobtainable_revocation_status_is_a_temporary_454_4_7_0(
    store: Store, dev_pki: PKIFixture, tmp_path: Path
) -> None:
    await populate(store, dev_pki)
    async with running_smtp(smtp_settings(tmp_path, dev_pki, crls=[]), store) as smtp:
        (reply,) = await send(smtp.ports["mx"], client_tls(dev_pki, dev_pki.server))
    assert status(reply) == "454 4.7.0"


async def test_recipient_outside_our_domains_is_refused_no_relaying_ever(instance: Instance) -> None:
    replies = await send(
        instance.mx, client_tls(instance.pki, instance.pki.server), rcpts=("someone@partner.test", "x@gmail.test")
    )
    assert [status(r) for r in replies] == ["250 2.1.0", "550 5.7.1", "550 5.7.1"]


async def test_unknown_local_mailbox_is_550_5_1_1(instance: Instance) -> None:
    replies = await send(instance.mx, client_tls(instance.pki, instance.pki.server), rcpts=("nobody@example.test",))
    assert [status(r) for r in replies] == ["250 2.1.0", "550 5.1.1"]


async def test_a_dsn_with_the_null_reverse_path_from_a_listed_operator_is_accepted(instance: Instance) -> None:
    replies = await send(instance.mx, client_tls(instance.pki, instance.pki.server), mail_from="")
    assert [status(r) for r in replies] == ["250 2.1.0", "250 2.1.5", "250 2.0.0"]
    (stored,) = await messages_of(instance.store, "dr.martin@example.test")
    assert stored.startswith(b"Return-Path: <>\r\n")
