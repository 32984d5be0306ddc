"""The trust-space rule: the sender domain must be listed and the peer DN must be one of its entries."""

from __future__ import annotations

import pytest

from policies.decision import Action
from policies.trust_space import TrustSpaceFacts, decide


@pytest.mark.parametrize(
    ("domain", "listed", "matches", "action", "words"),
    [
        ("a.mssante.fr", True, True, Action.ACCEPT, "OK"),
        ("a.mssante.fr", True, False, Action.REJECT, "does not match"),
        ("gmail.com", False, False, Action.REJECT, "not in the MSSante trust space"),
        ("gmail.com", False, True, Action.REJECT, "not in the MSSante trust space"),
        (None, False, True, Action.ACCEPT, "OK"),
        (None, False, False, Action.REJECT, "no operator"),
    ],
)
def test_trust_space_table(domain: str | None, listed: bool, matches: bool, action: Action, words: str) -> None:
    decision = decide(TrustSpaceFacts(domain, listed, matches, peer_dn="CN=mx.x,O=X,C=FR"))
    assert decision.action is action
    assert words in decision.text
    if action is Action.REJECT:
        assert (decision.code, decision.enhanced) == (550, "5.7.1")
        assert "CN=mx.x" not in decision.text
