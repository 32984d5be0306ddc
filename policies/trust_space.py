"""Rule: may this peer send mail for this sender domain? (DOMAIN.md §1, the whitelist)

Owns the decision from the whitelist facts: the MAIL FROM domain must be in the trust space, and the subject DN
of the peer's certificate must equal (normalised) one of the entries of that domain. A null reverse path (a DSN,
RFC 5321 §4.5.5) names no domain: the peer's DN must then be on the whitelist for some domain. Refusals are
`550 5.7.1`. Never reads the whitelist itself (the caller looks it up) and never relays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from policies.decision import ACCEPT, Decision, reject

DOMAIN_NOT_TRUSTED = reject(550, "5.7.1", "Sender domain is not in the MSSante trust space")
CERTIFICATE_MISMATCH = reject(550, "5.7.1", "Client certificate does not match the trust space entry of this domain")
UNKNOWN_OPERATOR = reject(550, "5.7.1", "Client certificate matches no operator of the MSSante trust space")


@dataclass(frozen=True)
class TrustSpaceFacts:
    """`sender_domain` is None for the null reverse path. `domain_listed`: the domain has at least one entry.
    `certificate_matches`: the peer DN equals an entry of that domain (for a null sender: of any domain)."""

    sender_domain: str | None
    domain_listed: bool
    certificate_matches: bool
    peer_dn: str = ""


def decide(facts: TrustSpaceFacts) -> Decision:
    if facts.sender_domain is None:
        if facts.certificate_matches:
            return ACCEPT
        return replace(UNKNOWN_OPERATOR, log_detail=f"null sender from {facts.peer_dn!r}, on no whitelist entry")
    if not facts.domain_listed:
        return replace(DOMAIN_NOT_TRUSTED, log_detail=f"{facts.sender_domain} is not on the whitelist")
    if not facts.certificate_matches:
        return replace(CERTIFICATE_MISMATCH, log_detail=f"{facts.peer_dn!r} not listed for {facts.sender_domain}")
    return ACCEPT
