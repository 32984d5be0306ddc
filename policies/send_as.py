"""Rule: may an authenticated identity use this envelope sender? (submission, DOMAIN.md §3)

Owns the MAIL FROM check of submission: the reverse path must be one of the mailboxes the identity may send as
(its own, or an ORG/CAB mailbox delegated to it), compared in normalised form. The null reverse path is refused on
submission: only the MTA itself sends DSNs. Refusal is `550 5.7.1`. Never decides who the identity is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from policies.decision import ACCEPT, Decision, reject

NOT_YOUR_ADDRESS = reject(550, "5.7.1", "Sender address not allowed for this login")
NULL_SENDER = reject(550, "5.7.1", "Submission needs a sender address")


@dataclass(frozen=True)
class SendAsFacts:
    """`mail_from` normalised ("" for the null reverse path); `allowed` the identity's sendable addresses."""

    mail_from: str
    allowed: frozenset[str]
    identity: str = ""


def decide(facts: SendAsFacts) -> Decision:
    if not facts.mail_from:
        return replace(NULL_SENDER, log_detail=f"{facts.identity} used the null reverse path")
    if facts.mail_from in facts.allowed:
        return ACCEPT
    return replace(NOT_YOUR_ADDRESS, log_detail=f"{facts.identity} may not send as {facts.mail_from}")
