"""What a patient may send: replies in an open conversation a professional started, or mail to a pharmacy."""

from __future__ import annotations

import pytest

from policies.decision import Action
from policies.patient_sending import PatientSendingFacts, decide


@pytest.mark.parametrize(
    ("to_patient", "pharmacy", "reply", "closed", "action", "words"),
    [
        (False, False, True, False, Action.ACCEPT, "OK"),
        (False, False, True, True, Action.REJECT, "closed this conversation"),
        (False, False, False, False, Action.REJECT, "only reply"),
        (False, False, False, True, Action.REJECT, "only reply"),
        (False, True, False, False, Action.ACCEPT, "OK"),
        (False, True, True, True, Action.REJECT, "closed this conversation"),
        (True, False, True, False, Action.REJECT, "other patients"),
        (True, True, False, False, Action.REJECT, "other patients"),
    ],
)
def test_patient_sending_table(
    to_patient: bool, pharmacy: bool, reply: bool, closed: bool, action: Action, words: str
) -> None:
    decision = decide(PatientSendingFacts(to_patient, pharmacy, reply, closed))
    assert decision.action is action and words in decision.text
    if action is Action.REJECT:
        assert (decision.code, decision.enhanced) == (550, "5.7.1")
