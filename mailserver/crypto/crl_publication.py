"""Publishing the CRLs of the development PKI, and finding which of its CAs issued a certificate.

Owns the rule that every publication writes a complete CRL for each CA with a CRL number one higher than the last
(RFC 5280 §5.2.3), valid for `next_update_days`. It never records revocations itself (the register does) and never
checks revocation status (that is `revocation.RevocationChecker`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from mailserver.crypto import profiles
from mailserver.crypto.pem_files import write_public
from mailserver.crypto.pki_register import PKIRegister
from mailserver.errors import UsageError


@dataclass(frozen=True)
class PublishedCA:
    """One CA of the PKI: its register label ("root-ca", "org-ca"), its keys and where its CRL goes."""

    label: str
    issuer: profiles.Issuer
    crl_path: Path


def publish_crls(register: PKIRegister, cas: Sequence[PublishedCA], now: datetime, next_update_days: int) -> None:
    """Write a fresh, complete CRL for every CA in `cas` from the revocations in `register`."""
    if next_update_days < 1:
        raise UsageError("a CRL must be valid for at least one day")
    for ca in cas:
        revocations = [profiles.Revocation(r.serial, r.revoked_at, r.reason) for r in register.revocations_by(ca.label)]
        crl = profiles.crl(
            ca.issuer,
            revocations,
            number=register.next_crl_number(ca.label),
            this_update=now,
            next_update=now + timedelta(days=next_update_days),
        )
        write_public(ca.crl_path, crl.public_bytes(serialization.Encoding.PEM))


def issuing_ca(cert: x509.Certificate, cas: Sequence[PublishedCA]) -> PublishedCA | None:
    """The CA among `cas` whose name matches the certificate's issuer and whose key signed it."""
    for ca in cas:
        if cert.issuer != ca.issuer.certificate.subject:
            continue
        try:
            cert.verify_directly_issued_by(ca.issuer.certificate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return ca
    return None


def reason_flag(reason: x509.ReasonFlags | str) -> x509.ReasonFlags:
    """A revocation reason from its RFC 5280 §5.3.1 name (`keyCompromise`, `superseded`, ...)."""
    if isinstance(reason, x509.ReasonFlags):
        return reason
    try:
        return x509.ReasonFlags(reason)
    except ValueError:
        known = ", ".join(f.value for f in x509.ReasonFlags)
        raise UsageError(f"unknown revocation reason {reason!r} (known: {known})") from None
