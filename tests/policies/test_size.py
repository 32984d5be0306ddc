"""The size rule: 552 5.3.4 above the configured limit, and above 25 MB for patients whatever the limit."""

from __future__ import annotations

import pytest

from policies.decision import Action
from policies.size import PATIENT_CAP, SizeFacts, decide

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("limit", "size", "to_patient", "action", "words"),
    [
        (10 * MB, None, False, Action.ACCEPT, "OK"),
        (10 * MB, 10 * MB, False, Action.ACCEPT, "OK"),
        (10 * MB, 10 * MB + 1, False, Action.REJECT, "fixed maximum"),
        (50 * MB, 30 * MB, False, Action.ACCEPT, "OK"),
        (50 * MB, 30 * MB, True, Action.REJECT, "patient"),
        (50 * MB, PATIENT_CAP, True, Action.ACCEPT, "OK"),
        (10 * MB, 20 * MB, True, Action.REJECT, "fixed maximum"),
        (0, 10**12, False, Action.ACCEPT, "OK"),
    ],
)
def test_size_table(limit: int, size: int | None, to_patient: bool, action: Action, words: str) -> None:
    decision = decide(SizeFacts(limit, size, to_patient))
    assert decision.action is action and words in decision.text
    if action is Action.REJECT:
        assert (decision.code, decision.enhanced) == (552, "5.3.4")
