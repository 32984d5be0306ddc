"""What a peer's TLS certificate is worth: one verdict from path validation and revocation together.

Owns the order of the checks the MSSanté audit probes exercise (DOMAIN.md §1): no certificate, then the path
(expired, not yet valid, untrusted CA, bad signature), then revocation (revoked, or status unknown), else valid.
It never maps a verdict to an SMTP reply and never matches the whitelist: it hands the SMTP layer the facts
(verdict, reason for logs, subject DN in the whitelist form) and the policies decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from mailserver.crypto.chain import verify_chain
from mailserver.crypto.names import subject_dn_string
from mailserver.crypto.revocation import RevocationChecker

PeerVerdict = Literal[
    "none", "expired", "not-yet-valid", "untrusted", "bad-signature", "revoked", "revocation-unknown", "valid"
]


@dataclass(frozen=True)
class PeerAssessment:
    """`subject_dn` is the leaf's subject in the whitelist form (None without a certificate); compare it with
    `names.normalise_dn`. `chain` runs leaf to anchor when the path validated."""

    verdict: PeerVerdict
    reason: str
    subject_dn: str | None = None
    chain: tuple[x509.Certificate, ...] = ()


def assess_peer(
    presented: Sequence[x509.Certificate],
    *,
    anchors: Sequence[x509.Certificate],
    now: datetime,
    intermediates: Sequence[x509.Certificate] = (),
    revocation: RevocationChecker | None = None,
    purpose: x509.ObjectIdentifier | None = ExtendedKeyUsageOID.CLIENT_AUTH,
) -> PeerAssessment:
    """Judge the certificates a peer presented (leaf first, as `tls.peer_chain` returns them).

    `intermediates` adds configured CA certificates to those the peer sent. With `revocation`, every certificate
    of the validated path but the anchor is checked against the CRLs held (RFC 5280 §6.3), so a CRL is needed
    for each CA of the path; without it, revocation is not checked (tests and tools only).
    """
    if not presented:
        return PeerAssessment("none", "the peer presented no certificate")
    leaf = presented[0]
    dn = subject_dn_string(leaf)
    result = verify_chain(leaf, [*presented[1:], *intermediates], anchors, now, purpose=purpose)
    if result.status != "ok":
        return PeerAssessment(result.status, result.reason, dn, result.chain)
    if revocation is not None:
        status = revocation.chain_status(result.chain)
        if status == "revoked":
            return PeerAssessment("revoked", "a certificate of the path is on its issuer's CRL", dn, result.chain)
        if status == "unknown":
            return PeerAssessment("revocation-unknown", "no current CRL for a CA of the path", dn, result.chain)
    return PeerAssessment("valid", result.reason, dn, result.chain)
