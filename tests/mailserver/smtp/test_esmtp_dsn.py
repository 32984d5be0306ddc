"""ESMTP as offered (RFC 2920, 1870, 6152, 6531, 2034, 3461) and the hand-over to the outbound queue: DSN
parameters reach the queue's rows unchanged, success DSNs are produced for local deliveries that asked for them,
and a patient's reply to another operator's professional is queued."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mailserver.queue.service import QueueService, build_queue
from mailserver.store import Store
from tests.mailserver.auth.issuer import Issuer
from tests.mailserver.smtp.conftest import PASSWORD, PATIENT_INS, Instance, populate
from tests.mailserver.smtp.mailbox_reading import messages_of
from tests.mailserver.smtp.rawclient import RawSession
from tests.mailserver.smtp.submitting import submit
from tests.pki_fixtures import PKIFixture
from tests.servers import client_tls, running_smtp, smtp_settings

DOCTOR = "dr.martin@example.test"


@pytest.fixture
async def queued(
    store: Store, dev_pki: PKIFixture, issuer: Issuer, tmp_path: Path
) -> AsyncIterator[tuple[Instance, QueueService]]:
    await populate(store, dev_pki)
    settings = smtp_settings(tmp_path, dev_pki, auth=issuer.settings())
    queue = build_queue(settings, store)
    async with running_smtp(settings, store, outbound=queue.outbox, reports=queue.outbox) as smtp:
        yield Instance(smtp, store, dev_pki), queue


def _features(instance: Instance) -> tuple[str, str]:
    with smtplib.SMTP("127.0.0.1", instance.mx, timeout=20) as c:
        before = c.ehlo("mx.partner.test")[1].decode()
        c.starttls(context=client_tls(instance.pki, instance.pki.server))
        return before, c.ehlo("mx.partner.test")[1].decode()


async def test_the_mx_offers_the_extensions_and_starttls_only_before_tls(instance: Instance) -> None:
    before, after = await asyncio.to_thread(_features, instance)
    for keyword in ("PIPELINING", "SIZE 26214400", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "DSN"):
        assert keyword in after.splitlines()
    assert "STARTTLS" in before.splitlines() and "STARTTLS" not in after
    assert "AUTH" not in after


async def test_dsn_parameters_reach_the_queue_rows_unchanged(queued: tuple[Instance, QueueService]) -> None:
    instance, queue = queued
    replies = await submit(
        instance,
        DOCTOR,
        PASSWORD,
        ("dr.durand@partner.test",),
        b"Subject: vers un autre operateur\r\n\r\nbody\r\n",
        mail_options=("RET=HDRS", "ENVID=QQ314159+2Bx"),
        rcpt_options=("NOTIFY=SUCCESS,DELAY", "ORCPT=rfc822;Dr.Durand+40partner.test"),
    )
    assert replies == ["250 2.1.0", "250 2.1.5", "250 2.0.0"]
    (claim,) = await queue.spool.claim_due(10, 60)
    assert (claim.mail_from, claim.address, claim.ret, claim.envid) == (
        DOCTOR,
        "dr.durand@partner.test",
        "HDRS",
        "QQ314159+x",
    )
    assert set(claim.notify.split(",")) == {"SUCCESS", "DELAY"}  # type: ignore[union-attr]
    assert claim.orcpt == "rfc822;Dr.Durand@partner.test"
    raw = await queue.spool.read(claim.message_id)
    assert raw.startswith(b"Received: from client.example.test") and b"Return-Path" not in raw


async def test_a_domain_outside_the_trust_space_is_refused_on_submission(queued: tuple[Instance, QueueService]) -> None:
    instance, _ = queued
    replies = await submit(instance, DOCTOR, PASSWORD, ("someone@gmail.test",), b"Subject: x\r\n\r\ny\r\n")
    assert replies == ["250 2.1.0", "550 5.7.1"]


async def test_without_a_queue_remote_submission_is_a_temporary_451_4_4_0(instance: Instance) -> None:
    replies = await submit(instance, DOCTOR, PASSWORD, ("dr.durand@partner.test",), b"Subject: x\r\n\r\ny\r\n")
    assert replies == ["250 2.1.0", "451 4.4.0"]


async def test_notify_success_on_a_local_delivery_returns_a_success_dsn_to_the_sender(
    queued: tuple[Instance, QueueService],
) -> None:
    instance, _ = queued
    replies = await submit(
        instance,
        DOCTOR,
        PASSWORD,
        ("dpi@example.test",),
        b"Subject: avec accuse\r\n\r\nbody\r\n",
        rcpt_options=("NOTIFY=SUCCESS",),
        mail_options=("ENVID=E1",),
    )
    assert replies[-1] == "250 2.0.0"
    (report,) = await messages_of(instance.store, DOCTOR)
    assert b"multipart/report" in report and b"report-type=delivery-status" in report
    assert b"Action: delivered" in report and b"Original-Envelope-Id: E1" in report


async def test_a_patient_reply_to_another_operators_professional_is_queued(
    queued: tuple[Instance, QueueService],
) -> None:
    instance, queue = queued
    patient = f"{PATIENT_INS}@patient.example.test"
    await instance.store.accounts.set_password(patient, PASSWORD)

    def from_partner() -> tuple[int, bytes]:
        with smtplib.SMTP("127.0.0.1", instance.mx, timeout=20) as c:
            c.starttls(context=client_tls(instance.pki, instance.pki.server))
            c.ehlo("mx.partner.test")
            return c.sendmail(
                "dr.durand@partner.test",
                [patient],
                b"From: Dr Durand <dr.durand@partner.test>\r\nSubject: RDV\r\n"
                b"Message-ID: <r1@partner.test>\r\n\r\nx\r\n",
            ) or (250, b"")

    assert (await asyncio.to_thread(from_partner))[0] == 250
    reply = b"Subject: Re: RDV\r\nIn-Reply-To: <r1@partner.test>\r\nMessage-ID: <p1@patient>\r\n\r\nmerci\r\n"
    assert (await submit(instance, patient, PASSWORD, ("dr.durand@partner.test",), reply))[-1] == "250 2.0.0"
    (claim,) = await queue.spool.claim_due(10, 60)
    assert claim.address == "dr.durand@partner.test" and claim.mail_from == patient
    new = b"Subject: Nouveau\r\nMessage-ID: <p2@patient>\r\n\r\nbonjour\r\n"
    assert (await submit(instance, patient, PASSWORD, ("dr.durand@partner.test",), new))[-1] == "550 5.7.1"


def _pipelined(instance: Instance, payload: bytes, count: int) -> list[str]:
    session = RawSession.open(instance.mx, client_tls(instance.pki, instance.pki.server))
    try:
        session.send(payload)
        return [session.reply() for _ in range(count)]
    finally:
        session.close()


async def test_pipelined_commands_are_answered_in_order(instance: Instance) -> None:
    payload = (
        b"MAIL FROM:<dr.durand@partner.test> BODY=8BITMIME SIZE=100\r\n"
        b"RCPT TO:<dr.martin@example.test>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\n"
    )
    replies = await asyncio.to_thread(_pipelined, instance, payload, 4)
    assert [r[:9] for r in replies] == ["250 2.1.0", "250 2.1.5", "550 5.1.1", "354 End d"]


def _utf8(instance: Instance) -> list[str]:
    session = RawSession.open(instance.mx, client_tls(instance.pki, instance.pki.server))
    try:
        out = [session.command("MAIL FROM:<dr.dürand@partner.test>".encode())]
        out.append(session.command("MAIL FROM:<dr.dürand@partner.test> SMTPUTF8 BODY=8BITMIME".encode()))
        out.append(session.command(b"RCPT TO:<dr.martin@example.test>"))
        out.append(session.command(b"DATA"))
        out.append(session.command("Subject: é\r\n\r\nCorps en UTF-8 : déjà\r\n.".encode()))
        return out
    finally:
        session.close()


async def test_utf8_addresses_need_smtputf8_and_8bit_content_is_kept_byte_for_byte(instance: Instance) -> None:
    without, with_, rcpt, _, data = await asyncio.to_thread(_utf8, instance)
    assert without.startswith("553 5.6.7") and with_.startswith("250 2.1.0")
    assert rcpt.startswith("250") and data.startswith("250 2.0.0")
    (stored,) = await messages_of(instance.store, DOCTOR)
    assert b"with UTF8SMTPS" in stored and "déjà".encode() in stored
