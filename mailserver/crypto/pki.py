"""The development and test PKI: a root CA and an organisations CA in a folder, and the certificates they issue.

Owns the folder layout (`root-ca.pem|key`, `org-ca.pem|key`, `index.json`, `org-ca.crl.pem`, `root-ca.crl.pem`,
and `<name>.pem|key` per issued certificate), issuing, revoking and publishing CRLs. It stands in for IGC-Santé
in development, tests and the two-operator end-to-end runs. It never overwrites a PKI or a certificate unless
told to, never writes a private key readable by others, and is never used to trust anything: trust anchors are
configuration.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from mailserver.crypto import profiles
from mailserver.crypto.certificate_requests import checked_email, checked_file_stem, checked_hostname, file_stem_for
from mailserver.crypto.crl_publication import PublishedCA, issuing_ca, publish_crls, reason_flag
from mailserver.crypto.names import normalise_dn, subject_dn_string
from mailserver.crypto.pem_files import (
    certificate_pem,
    load_certificates,
    private_key_pem,
    read_certificates,
    read_private_key,
    write_public,
    write_secret,
)
from mailserver.crypto.pki_register import IssuedRecord, PKIRegister, RevokedRecord
from mailserver.errors import AlreadyExists, CaduceeError, NotFound, UsageError

# The DN and PEM helpers are re-exported: callers of the PKI usually need them too.
__all__ = [
    "DevelopmentPKI",
    "IssuedCertificate",
    "PKIExists",
    "PKIMismatch",
    "PKIMissing",
    "load_certificates",
    "normalise_dn",
    "subject_dn_string",
]

ROOT_CERT, ROOT_KEY, ROOT_CRL = "root-ca.pem", "root-ca.key", "root-ca.crl.pem"
ORG_CERT, ORG_KEY, ORG_CRL = "org-ca.pem", "org-ca.key", "org-ca.crl.pem"
REGISTER = "index.json"
ROOT_CN = "Caducee Dev Root CA"
ORG_CN = "Caducee Dev Organisations CA"
LEAF_KEY_BITS = 2048
_CLOCK_SKEW = timedelta(hours=1)  # leaves are back-dated so that a peer whose clock is slightly late accepts them

Clock = Callable[[], datetime]


class PKIMissing(NotFound):
    """The folder holds no development PKI, or one of its files is missing."""


class PKIExists(AlreadyExists):
    """A PKI (or a certificate of that name) exists already and would be overwritten."""


class PKIMismatch(CaduceeError):
    """A file of the PKI does not belong with the others (a key that does not match its certificate)."""


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate written by the PKI. `cert_path` holds the leaf then the organisations CA."""

    cert_path: Path
    key_path: Path
    serial: int
    subject_dn: str
    not_after: datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class DevelopmentPKI:
    """A two-level PKI in `directory`. Build it with `create` or `open`, not the constructor."""

    def __init__(
        self, directory: Path, *, root: profiles.Issuer, org: profiles.Issuer, register: PKIRegister, clock: Clock
    ) -> None:
        self.directory = directory
        self._root = root
        self._org = org
        self._register = register
        self._clock = clock

    # ------------------------------------------------------------------ creating and opening

    @classmethod
    def create(
        cls,
        directory: Path,
        *,
        organisation: str,
        structure_id: str,
        now: datetime | None = None,
        clock: Clock = _utc_now,
        ca_key_bits: int = 3072,
    ) -> DevelopmentPKI:
        """Create the root and organisations CAs, the register and empty CRLs. Refuses to overwrite a PKI."""
        directory = Path(directory)
        if any((directory / f).exists() for f in (ROOT_CERT, ROOT_KEY, ORG_CERT, ORG_KEY, REGISTER)):
            raise PKIExists("a PKI exists already in that folder", f"{directory}: refusing to overwrite the PKI")
        if not organisation.strip():
            raise UsageError("an organisation name is needed to create a PKI (certificate O=)")
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        start = _aware(now) if now is not None else clock()
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=ca_key_bits)
        root_cert = profiles.root_ca(
            root_key,
            profiles.build_name(ROOT_CN, organisation=organisation),
            profiles.Validity(start - timedelta(days=1), start + timedelta(days=3650)),
            x509.random_serial_number(),
        )
        root = profiles.Issuer(root_cert, root_key)
        org_key = rsa.generate_private_key(public_exponent=65537, key_size=ca_key_bits)
        org_cert = profiles.intermediate_ca(
            org_key.public_key(),
            profiles.build_name(ORG_CN, organisation=organisation),
            root,
            profiles.Validity(start - timedelta(days=1), start + timedelta(days=1825)),
            x509.random_serial_number(),
        )
        write_secret(directory / ROOT_KEY, private_key_pem(root_key))
        write_public(directory / ROOT_CERT, certificate_pem(root_cert))
        write_secret(directory / ORG_KEY, private_key_pem(org_key))
        write_public(directory / ORG_CERT, certificate_pem(org_cert))
        register = PKIRegister(organisation=organisation, structure_id=structure_id)
        register.issued.append(
            IssuedRecord(
                org_cert.serial_number, "root-ca", subject_dn_string(org_cert), ORG_CERT, org_cert.not_valid_after_utc
            )
        )
        pki = cls(directory, root=root, org=profiles.Issuer(org_cert, org_key), register=register, clock=clock)
        pki._publish_crls(start, next_update_days=7)
        return pki

    @classmethod
    def open(cls, directory: Path, *, clock: Clock = _utc_now) -> DevelopmentPKI:
        """Open an existing PKI; PKIMissing names the first missing file."""
        directory = Path(directory)
        for name in (ROOT_CERT, ROOT_KEY, ORG_CERT, ORG_KEY, REGISTER):
            if not (directory / name).is_file():
                raise PKIMissing(
                    f"no development PKI there ({name} is missing; create one with `caducee pki create`)",
                    f"{directory / name}: missing",
                )
        root = cls._load_issuer(directory, ROOT_CERT, ROOT_KEY)
        org = cls._load_issuer(directory, ORG_CERT, ORG_KEY)
        register = PKIRegister.load(directory / REGISTER)
        return cls(directory, root=root, org=org, register=register, clock=clock)

    @staticmethod
    def _load_issuer(directory: Path, cert_name: str, key_name: str) -> profiles.Issuer:
        cert = read_certificates(directory / cert_name)[0]
        key = read_private_key(directory / key_name)
        public = cert.public_key()
        if not isinstance(key, rsa.RSAPrivateKey) or not isinstance(public, rsa.RSAPublicKey):
            raise PKIMismatch(f"{cert_name}: the development PKI uses RSA keys only", f"{directory}/{cert_name}")
        if key.public_key().public_numbers() != public.public_numbers():
            raise PKIMismatch(f"{key_name} does not match {cert_name}", f"{directory}: {key_name} != {cert_name}")
        return profiles.Issuer(cert, key)

    # ------------------------------------------------------------------ what the PKI is

    @property
    def organisation(self) -> str:
        return self._register.organisation

    @property
    def structure_id(self) -> str:
        return self._register.structure_id

    @property
    def root_certificate(self) -> x509.Certificate:
        return self._root.certificate

    @property
    def org_ca_certificate(self) -> x509.Certificate:
        return self._org.certificate

    @property
    def root_cert_path(self) -> Path:
        return self.directory / ROOT_CERT

    @property
    def org_ca_cert_path(self) -> Path:
        return self.directory / ORG_CERT

    @property
    def org_crl_path(self) -> Path:
        return self.directory / ORG_CRL

    @property
    def root_crl_path(self) -> Path:
        return self.directory / ROOT_CRL

    # ------------------------------------------------------------------ issuing

    def issue_server(
        self,
        hostname: str,
        *,
        organisation: str | None = None,
        structure_id: str | None = None,
        state: str | None = None,
        name: str = "server",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        valid_days: int = 825,
        replace: bool = False,
    ) -> IssuedCertificate:
        """An MTA certificate `CN=<hostname>,OU=<structure id>,O=<organisation>[,ST=<state>],C=FR` with
        SAN DNS:<hostname>, serverAuth and clientAuth. Organisation and structure default to the PKI's own."""
        host = checked_hostname(hostname)
        subject = profiles.build_name(
            host,
            organisation=organisation or self.organisation,
            unit=structure_id if structure_id is not None else self.structure_id,
            state=state,
        )
        return self._issue(
            name,
            not_before,
            not_after,
            valid_days,
            replace,
            lambda key, validity, serial: profiles.server(key, subject, host, self._org, validity, serial),
        )

    def issue_person(
        self,
        email: str,
        *,
        common_name: str,
        national_id: str | None = None,
        organisation: str | None = None,
        structure_id: str | None = None,
        name: str | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        valid_days: int = 1095,
        replace: bool = False,
    ) -> IssuedCertificate:
        """An S/MIME certificate for one professional: SAN rfc822Name=<email>, emailProtection and clientAuth,
        signing (with non-repudiation) and key encipherment. The national id (8+RPPS) goes in the subject UID."""
        address = checked_email(email)
        subject = profiles.build_name(common_name, organisation=organisation, unit=structure_id, user_id=national_id)
        return self._issue(
            name or file_stem_for(address),
            not_before,
            not_after,
            valid_days,
            replace,
            lambda key, validity, serial: profiles.person(key, subject, address, self._org, validity, serial),
        )

    def issue_organisation(
        self,
        common_name: str,
        *,
        organisation: str | None = None,
        structure_id: str | None = None,
        email: str | None = None,
        name: str | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        valid_days: int = 1095,
        replace: bool = False,
    ) -> IssuedCertificate:
        """An organisation (APP mailbox) client certificate `CN=<common name>,OU=..,O=..,C=FR`, with clientAuth;
        with `email`, also SAN rfc822Name and emailProtection for S/MIME."""
        address = checked_email(email) if email else None
        subject = profiles.build_name(
            common_name,
            organisation=organisation or self.organisation,
            unit=structure_id if structure_id is not None else self.structure_id,
        )
        return self._issue(
            name or file_stem_for(address or common_name),
            not_before,
            not_after,
            valid_days,
            replace,
            lambda key, validity, serial: profiles.organisation(key, subject, address, self._org, validity, serial),
        )

    def _issue(
        self,
        name: str,
        not_before: datetime | None,
        not_after: datetime | None,
        valid_days: int,
        replace: bool,
        build: Callable[[rsa.RSAPublicKey, profiles.Validity, int], x509.Certificate],
    ) -> IssuedCertificate:
        checked_file_stem(name)
        cert_path, key_path = self.directory / f"{name}.pem", self.directory / f"{name}.key"
        if not replace and (cert_path.exists() or key_path.exists()):
            raise PKIExists(f"a certificate named {name!r} exists already", f"{cert_path}: exists")
        now = self._clock()
        start = _aware(not_before) if not_before is not None else now - _CLOCK_SKEW
        end = _aware(not_after) if not_after is not None else now + timedelta(days=valid_days)
        if start >= end:
            raise UsageError("the certificate would end before it starts (check --not-before/--not-after)")
        key = rsa.generate_private_key(public_exponent=65537, key_size=LEAF_KEY_BITS)
        cert = build(key.public_key(), profiles.Validity(start, end), x509.random_serial_number())
        write_secret(key_path, private_key_pem(key))
        write_public(cert_path, certificate_pem(cert, self._org.certificate))
        dn = subject_dn_string(cert)
        self._register.issued.append(IssuedRecord(cert.serial_number, "org-ca", dn, cert_path.name, end))
        self._register.save(self.directory / REGISTER)
        return IssuedCertificate(cert_path, key_path, cert.serial_number, dn, cert.not_valid_after_utc)

    # ------------------------------------------------------------------ revoking

    def revoke(
        self,
        serial_or_cert_path: int | Path | str,
        *,
        reason: x509.ReasonFlags | str = x509.ReasonFlags.unspecified,
        next_update_days: int = 7,
    ) -> int:
        """Record a revocation and rewrite both CRLs, so they are always current. Returns the serial.
        Revoking a serial twice changes nothing. Only certificates this PKI issued can be revoked."""
        flag = reason_flag(reason)
        serial, issuer = self._revocation_target(serial_or_cert_path)
        now = self._clock()
        if not self._register.is_revoked(serial):
            self._register.revoked.append(RevokedRecord(serial, issuer, now, flag))
        self._publish_crls(now, next_update_days)
        return serial

    def write_crl(self, next_update_days: int = 7) -> Path:
        """Write fresh CRLs of both CAs (`org-ca.crl.pem`, `root-ca.crl.pem`); returns the organisations CA's."""
        self._publish_crls(self._clock(), next_update_days)
        return self.org_crl_path

    def _cas(self) -> tuple[PublishedCA, PublishedCA]:
        return PublishedCA("org-ca", self._org, self.org_crl_path), PublishedCA(
            "root-ca", self._root, self.root_crl_path
        )

    def _revocation_target(self, target: int | Path | str) -> tuple[int, str]:
        if isinstance(target, int):
            record = self._register.find_issued(target)
            if record is None:
                raise NotFound(f"this PKI issued no certificate with serial {target:x}")
            return target, record.issuer
        cert = read_certificates(Path(target))[0]
        ca = issuing_ca(cert, self._cas())
        if ca is None:
            raise UsageError("that certificate was not issued by this PKI", f"{target}: issuer {cert.issuer}")
        return cert.serial_number, ca.label

    def _publish_crls(self, now: datetime, next_update_days: int) -> None:
        publish_crls(self._register, self._cas(), now, next_update_days)
        self._register.save(self.directory / REGISTER)
