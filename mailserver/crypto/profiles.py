"""Certificate profiles of the development PKI: which extensions each kind of certificate carries.

Owns the shape of the root CA, the organisations CA, server (MTA), person (S/MIME) and organisation (APP)
certificates, following RFC 5280 and the roles of the IGC-Santé profiles they stand in for. Pure functions: keys,
names and dates in, a signed certificate out. Never writes files and never reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

COUNTRY = "FR"


@dataclass(frozen=True)
class Validity:
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class Issuer:
    """The CA that signs: its certificate and private key."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


def build_name(
    common_name: str,
    *,
    organisation: str | None = None,
    unit: str | None = None,
    state: str | None = None,
    user_id: str | None = None,
) -> x509.Name:
    """A subject in DER order C, ST, O, OU, UID, CN, so that its string form reads `CN=..,OU=..,O=..,ST=..,C=FR`."""
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY)]
    if state:
        attrs.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, state))
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    if user_id:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, user_id))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_encipherment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    subject: x509.Name, public_key: rsa.RSAPublicKey, issuer_name: x509.Name, validity: Validity, serial: int
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(validity.not_before)
        .not_valid_after(validity.not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)  # RFC 5280 §4.2.1.2
    )


def root_ca(key: rsa.RSAPrivateKey, subject: x509.Name, validity: Validity, serial: int) -> x509.Certificate:
    """Self-signed root: may sign one level of CA below it (pathLen 1)."""
    b = _builder(subject, key.public_key(), subject, validity, serial)
    b = b.add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)  # RFC 5280 §4.2.1.9
    b = b.add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)  # RFC 5280 §4.2.1.3
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
    return b.sign(key, hashes.SHA256())


def intermediate_ca(
    public_key: rsa.RSAPublicKey, subject: x509.Name, issuer: Issuer, validity: Validity, serial: int
) -> x509.Certificate:
    """The organisations CA: signs end-entity certificates only (pathLen 0)."""
    b = _builder(subject, public_key, issuer.certificate.subject, validity, serial)
    b = b.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    b = b.add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
    return _sign_by(b, issuer)


def server(
    public_key: rsa.RSAPublicKey, subject: x509.Name, hostname: str, issuer: Issuer, validity: Validity, serial: int
) -> x509.Certificate:
    """An MTA certificate: serverAuth for our listeners and clientAuth for mutual TLS towards other operators."""
    b = _end_entity(_builder(subject, public_key, issuer.certificate.subject, validity, serial))
    b = b.add_extension(_key_usage(digital_signature=True, key_encipherment=True), critical=True)
    b = b.add_extension(
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
    )
    b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)  # RFC 6125 §6.4.4
    return _sign_by(b, issuer)


def person(
    public_key: rsa.RSAPublicKey, subject: x509.Name, email: str, issuer: Issuer, validity: Validity, serial: int
) -> x509.Certificate:
    """An S/MIME certificate for one professional: signing (with non-repudiation) and encryption, plus TLS client."""
    b = _end_entity(_builder(subject, public_key, issuer.certificate.subject, validity, serial))
    b = b.add_extension(  # RFC 8550 §4.4.2: digitalSignature to sign, keyEncipherment to receive RSA-encrypted mail
        _key_usage(digital_signature=True, content_commitment=True, key_encipherment=True), critical=True
    )
    b = b.add_extension(
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]),
        critical=False,
    )
    b = b.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)  # RFC 8550 §3
    return _sign_by(b, issuer)


def organisation(
    public_key: rsa.RSAPublicKey,
    subject: x509.Name,
    email: str | None,
    issuer: Issuer,
    validity: Validity,
    serial: int,
) -> x509.Certificate:
    """An organisation (APP mailbox) certificate: TLS client for SASL EXTERNAL, and S/MIME when an address is given."""
    b = _end_entity(_builder(subject, public_key, issuer.certificate.subject, validity, serial))
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH]
    if email:
        usages.append(ExtendedKeyUsageOID.EMAIL_PROTECTION)
        b = b.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    b = b.add_extension(_key_usage(digital_signature=True, key_encipherment=bool(email)), critical=True)
    b = b.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    return _sign_by(b, issuer)


def _end_entity(b: x509.CertificateBuilder) -> x509.CertificateBuilder:
    return b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)


def _sign_by(b: x509.CertificateBuilder, issuer: Issuer) -> x509.Certificate:
    ski = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    b = b.add_extension(  # RFC 5280 §4.2.1.1: the issuer's key identifier, so chains build without guessing
        x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
    )
    return b.sign(issuer.key, hashes.SHA256())


@dataclass(frozen=True)
class Revocation:
    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags


def crl(
    issuer: Issuer, revocations: list[Revocation], *, number: int, this_update: datetime, next_update: datetime
) -> x509.CertificateRevocationList:
    """A complete CRL of `issuer` (RFC 5280 §5): CRL number, authority key identifier, one entry per revocation."""
    ski = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)  # RFC 5280 §5.2.3
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )
    for r in revocations:
        entry = x509.RevokedCertificateBuilder().serial_number(r.serial).revocation_date(r.revoked_at)
        if r.reason is not x509.ReasonFlags.unspecified:  # RFC 5280 §5.3.1: omit rather than say "unspecified"
            entry = entry.add_extension(x509.CRLReason(r.reason), critical=False)
        b = b.add_revoked_certificate(entry.build())
    return b.sign(issuer.key, hashes.SHA256())
