"""Revocation status from CRLs of configured issuers, keeping the last valid CRL of each issuer.

Owns `RevocationChecker`: it loads CRL files (PEM, several per file, or DER) or bytes fetched by someone else,
accepts a CRL only when its signature verifies with the key of a configured issuer (anchor or intermediate),
keeps the newest valid CRL per issuer when a reload fails or brings an older one, and answers
"good" / "revoked" / "unknown" ("unknown" when no unexpired CRL of that issuer is held: the SMTP layer then answers
454 4.7.0). It never fetches URLs (the runtime feeds bytes to `offer`), never builds paths (see `chain`), and
never treats a missing or stale CRL as "good".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from mailserver.crypto.names import name_dn_string
from mailserver.crypto.pem_files import read_certificates

RevocationStatus = Literal["good", "revoked", "unknown"]
_PEM_CRL = re.compile(rb"-----BEGIN X509 CRL-----.+?-----END X509 CRL-----", re.DOTALL)
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class HeldCrl:
    """The CRL held for one issuer, and where it came from."""

    issuer: x509.Certificate
    crl: x509.CertificateRevocationList
    source: str

    @property
    def this_update(self) -> datetime:
        return self.crl.last_update_utc

    @property
    def next_update(self) -> datetime | None:
        return self.crl.next_update_utc


class RevocationChecker:
    """CRL-based revocation status for certificates issued by `issuers`."""

    def __init__(
        self, issuers: Sequence[x509.Certificate], crl_paths: Sequence[Path] = (), *, clock: Clock = _utc_now
    ) -> None:
        self._issuers = list(issuers)
        self._crl_paths = [Path(p) for p in crl_paths]
        self._clock = clock
        self._held: dict[bytes, HeldCrl] = {}

    @classmethod
    def from_files(
        cls, issuer_paths: Sequence[Path], crl_paths: Sequence[Path], *, clock: Clock = _utc_now
    ) -> RevocationChecker:
        """A checker whose issuers are every certificate in `issuer_paths`, with `crl_paths` loaded once."""
        issuers = [cert for path in issuer_paths for cert in read_certificates(Path(path))]
        checker = cls(issuers, crl_paths, clock=clock)
        checker.reload()
        return checker

    def reload(self) -> list[str]:
        """Read every CRL file again. Returns the problems (for logs); a CRL that fails keeps the previous one."""
        problems: list[str] = []
        for path in self._crl_paths:
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.append(f"{path}: cannot read ({exc.strerror}); keeping the CRL held")
                continue
            problems.extend(self.offer(data, str(path)))
        return problems

    def offer(self, data: bytes, source: str) -> list[str]:
        """Consider the CRL(s) in `data` (PEM or DER). Each valid one replaces an older CRL of the same issuer."""
        blocks = _PEM_CRL.findall(data)
        try:
            crls = [x509.load_pem_x509_crl(b) for b in blocks] if blocks else [x509.load_der_x509_crl(data)]
        except ValueError as exc:
            return [f"{source}: not a CRL ({exc}); keeping the CRL held"]
        problems = []
        for crl in crls:
            problem = self._accept(crl, source)
            if problem:
                problems.append(f"{source}: {problem}")
        return problems

    def _accept(self, crl: x509.CertificateRevocationList, source: str) -> str | None:
        unsupported = _unsupported(crl)
        if unsupported:
            return f"{unsupported}; keeping the CRL held"
        issuer = next((c for c in self._issuers if c.subject == crl.issuer and _signed(crl, c)), None)
        if issuer is None:
            return f"no configured issuer signed this CRL of {name_dn_string(crl.issuer)}; ignored"
        key = _fingerprint(issuer)
        held = self._held.get(key)
        if held is not None and _age_key(crl) < _age_key(held.crl):
            return f"older than the CRL held for {name_dn_string(crl.issuer)}; ignored"
        self._held[key] = HeldCrl(issuer, crl, source)
        return None

    def status(self, cert: x509.Certificate, issuer: x509.Certificate) -> RevocationStatus:
        """Whether `cert` (issued by `issuer`) is revoked, per the CRL held for that issuer."""
        held = self._held.get(_fingerprint(issuer))
        if held is None or cert.issuer != issuer.subject:
            return "unknown"
        next_update = held.next_update
        if next_update is None or self._clock() > next_update:  # RFC 5280 §6.3.3: a stale CRL says nothing
            return "unknown"
        if held.crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
            return "revoked"
        return "good"

    def chain_status(self, chain: Sequence[x509.Certificate]) -> RevocationStatus:
        """Status of every certificate of a validated path (leaf first) but the anchor: "revoked" if any is,
        else "unknown" if any is unknown, else "good". Needs a CRL for every CA of the path."""
        statuses = [self.status(cert, issuer) for cert, issuer in pairwise(chain)]
        if not statuses:
            return "unknown"
        if "revoked" in statuses:
            return "revoked"
        return "unknown" if "unknown" in statuses else "good"

    def held(self) -> list[HeldCrl]:
        """The CRLs currently held, one per issuer (for `caducee trust status` and logs)."""
        return list(self._held.values())


def _fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def _signed(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    try:
        usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.crl_sign:  # RFC 5280 §4.2.1.3: only a key with cRLSign may sign CRLs
            return False
    except x509.ExtensionNotFound:
        pass
    try:
        return crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _age_key(crl: x509.CertificateRevocationList) -> tuple[datetime, int]:
    """Newer CRLs sort later: by thisUpdate, then by CRL number."""
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        number = -1
    return crl.last_update_utc, number


def _unsupported(crl: x509.CertificateRevocationList) -> str | None:
    """Delta and partitioned CRLs cannot say "good" alone; unknown critical extensions must be refused."""
    for ext in crl.extensions:
        if isinstance(ext.value, x509.DeltaCRLIndicator):
            return "delta CRLs are not supported"  # RFC 5280 §5.2.4
        if isinstance(ext.value, x509.IssuingDistributionPoint):
            idp = ext.value
            if (
                idp.only_contains_ca_certs
                or idp.only_contains_user_certs
                or idp.only_contains_attribute_certs
                or idp.only_some_reasons
                or idp.indirect_crl
            ):
                return "partitioned or indirect CRLs are not supported"  # RFC 5280 §5.2.5
        elif ext.critical and isinstance(ext.value, x509.UnrecognizedExtension):
            return f"unsupported critical CRL extension {ext.oid.dotted_string}"
    return None
