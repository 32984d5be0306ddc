"""Rule: what may a patient send? (DOMAIN.md §6)

Owns the patient's side of the conversation rules. A patient may send only:
- a reply in a conversation a professional started with them: In-Reply-To or References names a message this
  patient received from that professional (the recipient), and that conversation was not closed by the
  professional (a subject of exactly `[FIN]`, or `X-MSS-MES: FIN`);
- or a message to a pharmacy's ORG mailbox (the caller establishes the pharmacy fact from the directory:
  an ORG mailbox whose entry carries profession code 21, Pharmacien).
Never to another patient. Every refusal is `550 5.7.1` with a text that says what is allowed; texts never name
the patient or the message. Never looks anything up (the caller gathers the facts per recipient).
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.decision import ACCEPT, Decision, reject

NO_PATIENT_TO_PATIENT = reject(550, "5.7.1", "Patients cannot write to other patients")
CONVERSATION_CLOSED = reject(550, "5.7.1", "The professional closed this conversation; replies are not accepted")
REPLY_ONLY = reject(
    550,
    "5.7.1",
    "A patient may only reply to a message a professional sent them, or write to a pharmacy",
)


@dataclass(frozen=True)
class PatientSendingFacts:
    """Facts about one recipient of a patient's message.

    `replies_to_recipient`: In-Reply-To/References name a message the patient received from this recipient.
    `conversation_closed`: that conversation carries a `[FIN]` subject or `X-MSS-MES: FIN` from the professional.
    """

    recipient_is_patient: bool
    recipient_is_pharmacy: bool
    replies_to_recipient: bool
    conversation_closed: bool


def decide(facts: PatientSendingFacts) -> Decision:
    if facts.recipient_is_patient:
        return NO_PATIENT_TO_PATIENT
    if facts.replies_to_recipient:
        return CONVERSATION_CLOSED if facts.conversation_closed else ACCEPT
    if facts.recipient_is_pharmacy:
        return ACCEPT
    return REPLY_ONLY
