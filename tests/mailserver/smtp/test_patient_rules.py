"""Patient rules end to end (DOMAIN.md §6), over submission and the MX with real clients.

Professionals start conversations; a patient may only reply to the professional who wrote, until the professional
closes the conversation (`[FIN]` subject or `X-MSS-MES: FIN`), or write to a pharmacy. Unknown, closed and
opposed patients are refused with distinct codes. Patients never write to patients.
"""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mailserver.delivery.pharmacies import KnownPharmacies
from mailserver.store import Store
from tests.mailserver.auth.issuer import Issuer
from tests.mailserver.smtp.conftest import PASSWORD, PATIENT_INS, Instance, populate
from tests.mailserver.smtp.mailbox_reading import messages_of
from tests.mailserver.smtp.submitting import submit
from tests.pki_fixtures import PKIFixture
from tests.servers import client_tls, running_smtp, smtp_settings, trust

PATIENT = f"{PATIENT_INS}@patient.example.test"
OPPOSED = "295109912611193@patient.example.test"
CLOSED = "253072b07300470@patient.example.test"
DOCTOR = "dr.martin@example.test"
PHARMACY = "pharmacie@example.test"


def message(subject: str, message_id: str, *, in_reply_to: str = "", extra: str = "") -> bytes:
    head = f"From: <sender>\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
    if in_reply_to:
        head += f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n"
    return (head + extra + "\r\nbody\r\n").encode()


@pytest.fixture
async def clinic(store: Store, dev_pki: PKIFixture, issuer: Issuer, tmp_path: Path) -> AsyncIterator[Instance]:
    from datetime import date

    await populate(store, dev_pki)
    accounts = store.accounts
    await accounts.set_password(PATIENT, PASSWORD)
    await accounts.create_mailbox(PHARMACY, "ORG", display_name="Pharmacie du centre")
    for ins, status in (("295109912611193", "opposed"), ("253072B07300470", "closed")):
        await accounts.add_patient(
            ins, "patient.example.test", birth_name="X", first_names="Y", birth_date=date(1990, 1, 1), sex="M"
        )
        await accounts.set_patient_status(ins, status)
    # patient.partner.test: the patients' domain of the partner operator, whose MTA is the partner's
    await trust(
        store, [("partner.test", dev_pki.server.subject_dn), ("patient.partner.test", dev_pki.server.subject_dn)]
    )
    settings = smtp_settings(tmp_path, dev_pki, auth=issuer.settings())
    async with running_smtp(settings, store, pharmacies=KnownPharmacies([PHARMACY])) as smtp:
        yield Instance(smtp, store, dev_pki)


async def doctor_writes(clinic: Instance, subject: str, message_id: str, **kw: str) -> list[str]:
    return await submit(clinic, DOCTOR, PASSWORD, (PATIENT,), message(subject, message_id, **kw))


async def patient_writes(clinic: Instance, to: str, message_id: str, in_reply_to: str = "") -> list[str]:
    return await submit(clinic, PATIENT, PASSWORD, (to,), message("Re", message_id, in_reply_to=in_reply_to))


async def test_a_professional_writes_and_the_patient_may_reply_to_that_professional_only(clinic: Instance) -> None:
    assert await doctor_writes(clinic, "Resultats", "<m1@example.test>") == ["250 2.1.0", "250 2.1.5", "250 2.0.0"]
    assert len(await messages_of(clinic.store, PATIENT)) == 1
    assert (await patient_writes(clinic, DOCTOR, "<p1@x>", in_reply_to="<m1@example.test>"))[-1] == "250 2.0.0"
    assert len(await messages_of(clinic.store, DOCTOR)) == 1
    # the same reference does not open a conversation with someone else
    assert (await patient_writes(clinic, "secretariat@example.test", "<p2@x>", "<m1@example.test>"))[-1] == (
        "550 5.7.1"
    )


async def test_a_patient_cannot_start_a_conversation_with_a_professional(clinic: Instance) -> None:
    replies = await patient_writes(clinic, DOCTOR, "<p1@x>")
    assert replies == ["250 2.1.0", "250 2.1.5", "550 5.7.1"]
    assert await messages_of(clinic.store, DOCTOR) == []


async def test_a_patient_may_write_to_a_pharmacy(clinic: Instance) -> None:
    assert (await patient_writes(clinic, PHARMACY, "<p1@x>"))[-1] == "250 2.0.0"


async def test_a_patient_cannot_write_to_a_patient(clinic: Instance) -> None:
    replies = await patient_writes(clinic, OPPOSED, "<p1@x>")
    assert replies[:2] == ["250 2.1.0", "550 5.7.1"]


@pytest.mark.parametrize(
    ("subject", "extra"), [("[FIN]", ""), ("Fin de suivi", "X-MSS-MES: FIN\r\n")], ids=["subject", "x-mss-mes"]
)
async def test_a_conversation_closed_by_the_professional_refuses_replies(
    clinic: Instance, subject: str, extra: str
) -> None:
    await doctor_writes(clinic, "Resultats", "<m1@example.test>")
    closing = await doctor_writes(clinic, subject, "<m2@example.test>", in_reply_to="<m1@example.test>", extra=extra)
    assert closing[-1] == "250 2.0.0"
    for reference in ("<m1@example.test>", "<m2@example.test>"):
        assert (await patient_writes(clinic, DOCTOR, "<p9@x>", in_reply_to=reference))[-1] == "550 5.7.1"


@pytest.mark.parametrize(
    ("address", "expected"),
    [(OPPOSED, "550 5.7.1"), (CLOSED, "550 5.2.1"), ("123456789012345@patient.example.test", "550 5.1.1")],
    ids=["opposed", "closed", "unknown"],
)
async def test_opposed_closed_and_unknown_patients_each_get_their_code(
    clinic: Instance, address: str, expected: str
) -> None:
    replies = await submit(clinic, DOCTOR, PASSWORD, (address,), message("x", "<m@x>"))
    assert replies[:2] == ["250 2.1.0", expected]


def _refusal_texts(clinic: Instance) -> list[str]:
    with smtplib.SMTP("127.0.0.1", clinic.submission, timeout=20) as c:
        c.starttls(context=client_tls(clinic.pki))
        c.login(DOCTOR, PASSWORD)
        c.mail(DOCTOR)
        return [c.rcpt(a)[1].decode() for a in (OPPOSED, CLOSED, "123456789012345@patient.example.test")]


async def test_refusal_texts_differ_and_carry_no_patient_data(clinic: Instance) -> None:
    texts = await asyncio.to_thread(_refusal_texts, clinic)
    assert len(set(texts)) == 3
    for text in texts:
        assert "2951" not in text and "2530" not in text and "1234" not in text and "@" not in text


def _mx_to_patient(clinic: Instance, mail_from: str) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", clinic.mx, timeout=20) as c:
        c.starttls(context=client_tls(clinic.pki, clinic.pki.server))
        c.ehlo("mx.partner.test")
        c.mail(mail_from)
        return c.rcpt(PATIENT)


async def test_a_professional_of_another_operator_may_write_to_a_patient_a_remote_patient_may_not(
    clinic: Instance,
) -> None:
    assert (await asyncio.to_thread(_mx_to_patient, clinic, "dr.durand@partner.test"))[0] == 250
    code, text = await asyncio.to_thread(_mx_to_patient, clinic, "279035121518989@patient.partner.test")
    assert (code, text[:5]) == (550, b"5.7.1")
