"""Certificates bound to a mailbox (S/MIME signing and encryption) or to an organisation.

Owns parsing a DER certificate into its record (subject, issuer, serial, validity, SHA-256 fingerprint) and
storing it once per fingerprint. It never judges trust: chain and revocation checks belong to
`mailserver.crypto`, which calls this with certificates it accepts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from directory.entries import upsert
from directory.models import certificates
from directory.records import CERTIFICATE_USAGES, Certificate


class CertificateInputError(ValueError):
    """The bytes are not a DER certificate, or the usage or owner is missing."""


def certificate_record(
    der: bytes, usage: str, *, address: str | None = None, organisation_id: str | None = None
) -> Certificate:
    if usage not in CERTIFICATE_USAGES:
        raise CertificateInputError(f"unknown certificate usage {usage!r}")
    if not address and not organisation_id:
        raise CertificateInputError("a certificate is bound to a mailbox or to an organisation")
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise CertificateInputError("not a DER X.509 certificate") from exc
    return Certificate(
        fingerprint=hashlib.sha256(der).hexdigest(),
        usage=usage,
        der=der,
        subject=cert.subject.rfc4514_string()[:1000],
        issuer=cert.issuer.rfc4514_string()[:1000],
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        address=address.strip().lower() if address else None,
        organisation_id=organisation_id,
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def add_certificate(
    engine: AsyncEngine, certificate: Certificate, *, clock: Callable[[], datetime] = _utc_now
) -> None:
    """Store `certificate` (idempotent: the fingerprint is the key)."""
    row = {
        "fingerprint": certificate.fingerprint,
        "address": certificate.address,
        "organisation_id": certificate.organisation_id,
        "usage": certificate.usage,
        "der": certificate.der,
        "subject": certificate.subject,
        "issuer": certificate.issuer,
        "serial": certificate.serial,
        "not_before": certificate.not_before,
        "not_after": certificate.not_after,
        "added_at": clock(),
    }
    async with engine.begin() as conn:
        await upsert(conn, certificates, [row], keep=("added_at",))


async def certificates_for(
    engine: AsyncEngine,
    *,
    addresses: Sequence[str] = (),
    organisation_ids: Sequence[str] = (),
    valid_at: datetime | None = None,
) -> list[Certificate]:
    """Certificates of these mailboxes and organisations, optionally only those valid at `valid_at`."""
    c = certificates.c
    plan = (
        select(certificates)
        .where(
            or_(c.address.in_([a.strip().lower() for a in addresses]), c.organisation_id.in_(list(organisation_ids)))
        )
        .order_by(c.address, c.usage, c.not_after.desc())
    )
    async with engine.connect() as conn:
        rows = [record_of(r._mapping) for r in await conn.execute(plan)]
    return [r for r in rows if valid_at is None or r.valid_at(valid_at)]


def record_of(values: Any) -> Certificate:
    return Certificate(
        fingerprint=values["fingerprint"],
        usage=values["usage"],
        der=bytes(values["der"]),
        subject=values["subject"],
        issuer=values["issuer"],
        serial=values["serial"],
        not_before=_utc(values["not_before"]),
        not_after=_utc(values["not_after"]),
        address=values["address"],
        organisation_id=values["organisation_id"],
    )
