"""Submission's MAIL FROM: one of the identity's mailboxes, never the null reverse path."""

from __future__ import annotations

import pytest

from policies.decision import Action
from policies.send_as import SendAsFacts, decide

MINE = frozenset({"dr.martin@example.test", "cardio@example.test"})


@pytest.mark.parametrize(
    ("mail_from", "action", "words"),
    [
        ("dr.martin@example.test", Action.ACCEPT, "OK"),
        ("cardio@example.test", Action.ACCEPT, "OK"),
        ("dr.other@example.test", Action.REJECT, "not allowed"),
        ("", Action.REJECT, "needs a sender"),
    ],
)
def test_send_as_table(mail_from: str, action: Action, words: str) -> None:
    decision = decide(SendAsFacts(mail_from, MINE, identity="dr.martin@example.test"))
    assert decision.action is action and words in decision.text
    if action is Action.REJECT:
        assert (decision.code, decision.enhanced) == (550, "5.7.1")
