"""Rule: may this message be delivered to a patient mailbox? (DOMAIN.md §6)

Owns who may write to a patient: only professional mailboxes (PER, ORG, APP, CAB) of the trust space start or
continue conversations with patients; patients never write to patients. A patient who opposed, who closed
their space, or who is unknown receives nothing, each refused with its own code and text:
unknown `550 5.1.1`, closed `550 5.2.1`, opposed `550 5.7.1` (RFC 3463: bad mailbox, mailbox disabled, delivery
not authorised). The sender is checked first, so that nobody but a professional learns whether a patient address
exists. Client texts never carry the address, the INS or any trait of the patient.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from policies.decision import ACCEPT, Decision, reject

PatientStatus = Literal["active", "opposed", "closed", "unknown"]
SenderKind = Literal["professional", "patient", "unknown"]

PROFESSIONALS_ONLY = reject(550, "5.7.1", "Only health professionals of the MSSante trust space may write to a patient")
UNKNOWN_PATIENT = reject(550, "5.1.1", "Unknown patient address")
CLOSED_SPACE = reject(550, "5.2.1", "This patient space is closed and receives no messages")
OPPOSED = reject(550, "5.7.1", "This patient opposed to receiving messages through this service")


@dataclass(frozen=True)
class PatientRecipientFacts:
    """`sender_kind`: what the sending mailbox is (a local mailbox's type, or for other operators whether the
    sender's domain is a patient domain). `patient_status` of the recipient, "unknown" when there is none."""

    sender_kind: SenderKind
    patient_status: PatientStatus


def decide(facts: PatientRecipientFacts) -> Decision:
    if facts.sender_kind != "professional":
        return replace(PROFESSIONALS_ONLY, log_detail=f"{facts.sender_kind} sender to a patient address")
    if facts.patient_status == "unknown":
        return UNKNOWN_PATIENT
    if facts.patient_status == "closed":
        return CLOSED_SPACE
    if facts.patient_status == "opposed":
        return OPPOSED
    if facts.patient_status == "active":
        return ACCEPT
    return replace(UNKNOWN_PATIENT, log_detail=f"unexpected patient status {facts.patient_status!r}")
