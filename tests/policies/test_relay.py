"""The relay rule: the MX accepts local domains only; submission adds trust-space domains; nothing else."""

from __future__ import annotations

import pytest

from policies.decision import Action
from policies.relay import RelayFacts, decide


@pytest.mark.parametrize(
    ("door", "local", "trusted", "action", "words"),
    [
        ("mx", True, False, Action.ACCEPT, "OK"),
        ("mx", True, True, Action.ACCEPT, "OK"),
        ("mx", False, True, Action.REJECT, "Relaying denied"),
        ("mx", False, False, Action.REJECT, "Relaying denied"),
        ("submission", True, False, Action.ACCEPT, "OK"),
        ("submission", False, True, Action.ACCEPT, "OK"),
        ("submission", False, False, Action.REJECT, "outside the MSSante trust space"),
    ],
)
def test_relay_table(door: str, local: bool, trusted: bool, action: Action, words: str) -> None:
    decision = decide(RelayFacts(door, "other.test", local, trusted))  # type: ignore[arg-type]
    assert decision.action is action and words in decision.text
    if action is Action.REJECT:
        assert (decision.code, decision.enhanced) == (550, "5.7.1")


def test_submission_to_the_trust_space_without_a_queue_is_temporary() -> None:
    decision = decide(RelayFacts("submission", "other.test", False, True, queue_available=False))
    assert (decision.action, decision.code, decision.enhanced) == (Action.DEFER, 451, "4.4.0")
    assert decide(RelayFacts("submission", "ours.test", True, False, queue_available=False)).accepted
