"""Rule: does a professional mailbox of ours accept mail? (PER, ORG, APP, CAB; patients have their own rule)

Owns `550 5.1.1` for an address of a local domain that names no mailbox, and `550 5.2.1` for a mailbox that is
not active (RFC 3463: X.1.1 bad destination mailbox, X.2.1 mailbox disabled). Never looks the mailbox up.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.decision import ACCEPT, Decision, reject

NO_SUCH_MAILBOX = reject(550, "5.1.1", "No such mailbox")
MAILBOX_DISABLED = reject(550, "5.2.1", "Mailbox disabled, not accepting messages")


@dataclass(frozen=True)
class LocalRecipientFacts:
    exists: bool
    status: str = "active"  # the mailbox status when it exists


def decide(facts: LocalRecipientFacts) -> Decision:
    if not facts.exists:
        return NO_SUCH_MAILBOX
    if facts.status != "active":
        return MAILBOX_DISABLED
    return ACCEPT
