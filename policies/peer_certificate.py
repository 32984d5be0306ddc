"""Rule: the client certificate an operator's MTA presents to our MX (DOMAIN.md §1, the agency's audit cases).

Owns the reply for each state of the peer certificate, as classified by the caller (chain against the configured
trust anchors, then the CRLs): only a good certificate passes; a certificate whose revocation status cannot be
obtained is a temporary failure (`454 4.7.0`, the peer retries); every other state is `550 5.7.1`.
Never classifies a certificate itself and never names a file, a key or a serial number in the client text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from policies.decision import ACCEPT, Decision, defer, reject

CertificateStatus = Literal[
    "good", "absent", "expired", "not-yet-valid", "revoked", "untrusted", "bad-signature", "revocation-unknown"
]

NO_CERTIFICATE = reject(550, "5.7.1", "A client certificate from the health PKI is required")
EXPIRED = reject(550, "5.7.1", "Client certificate expired")
NOT_YET_VALID = reject(550, "5.7.1", "Client certificate not yet valid")
REVOKED = reject(550, "5.7.1", "Client certificate revoked")
UNTRUSTED = reject(550, "5.7.1", "Client certificate not issued by a trusted authority")
BAD_SIGNATURE = reject(550, "5.7.1", "Client certificate signature invalid")
REVOCATION_UNKNOWN = defer(454, "4.7.0", "Certificate revocation status unavailable, try again later")

_BY_STATUS: dict[str, Decision] = {
    "absent": NO_CERTIFICATE,
    "expired": EXPIRED,
    "not-yet-valid": NOT_YET_VALID,
    "revoked": REVOKED,
    "untrusted": UNTRUSTED,
    "bad-signature": BAD_SIGNATURE,
    "revocation-unknown": REVOCATION_UNKNOWN,
}


@dataclass(frozen=True)
class PeerCertificateFacts:
    """`status` as classified; `detail` (subject DN, why) goes to the log only."""

    status: CertificateStatus
    detail: str = ""


def decide(facts: PeerCertificateFacts) -> Decision:
    if facts.status == "good":
        return ACCEPT
    base = _BY_STATUS.get(facts.status, UNTRUSTED)  # an unknown state is never good
    return replace(base, log_detail=f"certificate {facts.status}: {facts.detail}")
