"""Mail to patients: professionals only; unknown, closed and opposed patients each get their own code and text."""

from __future__ import annotations

import pytest

from policies.decision import Action
from policies.patient_inbound import PatientRecipientFacts, decide


@pytest.mark.parametrize(
    ("sender", "status", "action", "code", "enhanced", "words"),
    [
        ("professional", "active", Action.ACCEPT, 250, "2.0.0", "OK"),
        ("professional", "unknown", Action.REJECT, 550, "5.1.1", "Unknown patient"),
        ("professional", "closed", Action.REJECT, 550, "5.2.1", "closed"),
        ("professional", "opposed", Action.REJECT, 550, "5.7.1", "opposed"),
        ("patient", "active", Action.REJECT, 550, "5.7.1", "Only health professionals"),
        ("unknown", "active", Action.REJECT, 550, "5.7.1", "Only health professionals"),
        # nobody but a professional learns whether the patient exists or what their status is
        ("patient", "unknown", Action.REJECT, 550, "5.7.1", "Only health professionals"),
        ("unknown", "opposed", Action.REJECT, 550, "5.7.1", "Only health professionals"),
    ],
)
def test_patient_recipient_table(
    sender: str, status: str, action: Action, code: int, enhanced: str, words: str
) -> None:
    decision = decide(PatientRecipientFacts(sender, status))  # type: ignore[arg-type]
    assert (decision.action, decision.code, decision.enhanced) == (action, code, enhanced)
    assert words in decision.text


def test_unknown_closed_and_opposed_are_distinct_codes_and_texts() -> None:
    replies = {decide(PatientRecipientFacts("professional", s)) for s in ("unknown", "closed", "opposed")}
    assert len({d.enhanced for d in replies}) == 3 and len({d.text for d in replies}) == 3
