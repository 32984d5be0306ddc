"""Rule: message size against the configured limit, and the 25 MB cap on mail to patients (DOMAIN.md §5).

Owns `552 5.3.4` (RFC 1870 §6.1, RFC 3463 X.3.4 message too big for system), used at MAIL when the client
announced SIZE, at RCPT for a patient recipient, and after DATA with the measured size. Never measures anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from policies.decision import ACCEPT, Decision, reject

PATIENT_CAP = 25 * 1024 * 1024  # DOMAIN.md §5: mail to patients is capped at 25 MB

TOO_BIG = reject(552, "5.3.4", "Message size exceeds fixed maximum message size")
TOO_BIG_FOR_PATIENT = reject(552, "5.3.4", "Message size exceeds the 25 MB limit of patient mailboxes")


@dataclass(frozen=True)
class SizeFacts:
    """`size` is the announced (SIZE=) or measured size in octets; None when not known yet."""

    limit: int
    size: int | None
    to_patient: bool = False


def decide(facts: SizeFacts) -> Decision:
    if facts.size is None:
        return ACCEPT
    if facts.to_patient and facts.size > PATIENT_CAP:
        return replace(TOO_BIG_FOR_PATIENT, log_detail=f"size {facts.size} > {PATIENT_CAP}")
    if facts.limit and facts.size > facts.limit:
        return replace(TOO_BIG, log_detail=f"size {facts.size} > {facts.limit}")
    return ACCEPT
