"""Certificates and CRLs that claim a CA of a test PKI as issuer but are signed with another key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from mailserver.crypto import profiles

_FORGER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def forged_certificate(claimed_issuer: x509.Certificate, hostname: str) -> x509.Certificate:
    """A server certificate naming `claimed_issuer` (and its key id) as issuer, signed by an unrelated key."""
    now = datetime.now(UTC)
    ski = claimed_issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(profiles.build_name(hostname, organisation="Faussaire", unit="1"))
        .issuer_name(claimed_issuer.subject)
        .public_key(_FORGER_KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(_FORGER_KEY, hashes.SHA256())
    )


def forged_crl(claimed_issuer: x509.Certificate, *, this_update: datetime) -> x509.CertificateRevocationList:
    """An empty CRL (it would clear every revocation) naming `claimed_issuer`, signed by an unrelated key."""
    return (
        x509.CertificateRevocationListBuilder()
        .issuer_name(claimed_issuer.subject)
        .last_update(this_update)
        .next_update(this_update + timedelta(days=7))
        .add_extension(x509.CRLNumber(10_000), critical=False)
        .sign(_FORGER_KEY, hashes.SHA256())
    )
