"""The local-recipient rule: 550 5.1.1 for no mailbox, 550 5.2.1 for a mailbox that is not active."""

from __future__ import annotations

import pytest

from policies.decision import Action
from policies.local_recipient import LocalRecipientFacts, decide


@pytest.mark.parametrize(
    ("exists", "status", "action", "code", "enhanced"),
    [
        (True, "active", Action.ACCEPT, 250, "2.0.0"),
        (False, "active", Action.REJECT, 550, "5.1.1"),
        (True, "disabled", Action.REJECT, 550, "5.2.1"),
        (True, "deleted", Action.REJECT, 550, "5.2.1"),
    ],
)
def test_local_recipient_table(exists: bool, status: str, action: Action, code: int, enhanced: str) -> None:
    decision = decide(LocalRecipientFacts(exists, status))
    assert (decision.action, decision.code, decision.enhanced) == (action, code, enhanced)
