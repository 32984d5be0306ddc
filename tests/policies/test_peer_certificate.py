"""The peer-certificate rule: only a good certificate passes; unknown revocation is temporary; the rest 550 5.7.1."""

from __future__ import annotations

import pytest

from policies.decision import Action
from policies.peer_certificate import PeerCertificateFacts, decide


@pytest.mark.parametrize(
    ("status", "action", "code", "enhanced", "words"),
    [
        ("good", Action.ACCEPT, 250, "2.0.0", "OK"),
        ("absent", Action.REJECT, 550, "5.7.1", "required"),
        ("expired", Action.REJECT, 550, "5.7.1", "expired"),
        ("not-yet-valid", Action.REJECT, 550, "5.7.1", "not yet valid"),
        ("revoked", Action.REJECT, 550, "5.7.1", "revoked"),
        ("untrusted", Action.REJECT, 550, "5.7.1", "trusted authority"),
        ("bad-signature", Action.REJECT, 550, "5.7.1", "signature"),
        ("revocation-unknown", Action.DEFER, 454, "4.7.0", "try again"),
    ],
)
def test_each_certificate_state_gets_its_reply(
    status: str, action: Action, code: int, enhanced: str, words: str
) -> None:
    decision = decide(PeerCertificateFacts(status, detail="CN=mx.example"))  # type: ignore[arg-type]
    assert (decision.action, decision.code, decision.enhanced) == (action, code, enhanced)
    assert words in decision.text


def test_a_state_the_rule_does_not_know_is_never_accepted() -> None:
    decision = decide(PeerCertificateFacts("weird"))  # type: ignore[arg-type]
    assert decision.action is Action.REJECT and decision.code == 550


def test_the_certificate_detail_goes_to_the_log_not_to_the_peer() -> None:
    decision = decide(PeerCertificateFacts("revoked", detail="CN=mx.secret.example serial 1234"))
    assert "mx.secret.example" in decision.log_detail and "mx.secret.example" not in decision.text
