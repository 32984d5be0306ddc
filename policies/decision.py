"""The outcome of a policy rule: an action, the reply a peer sees, and the detail the operator logs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Action(Enum):
    ACCEPT = "accept"
    REJECT = "reject"  # permanent: 5xx
    DEFER = "defer"  # temporary: 4xx, the peer retries


@dataclass(frozen=True)
class Decision:
    """`code` and `enhanced` are the SMTP reply (RFC 5321, RFC 3463); `text` is all the peer may see."""

    action: Action
    code: int = 250
    enhanced: str = "2.0.0"
    text: str = "OK"
    log_detail: str = ""

    @property
    def accepted(self) -> bool:
        return self.action is Action.ACCEPT


ACCEPT = Decision(Action.ACCEPT)


def reject(code: int, enhanced: str, text: str, log_detail: str = "") -> Decision:
    return Decision(Action.REJECT, code, enhanced, text, log_detail or text)


def defer(code: int, enhanced: str, text: str, log_detail: str = "") -> Decision:
    return Decision(Action.DEFER, code, enhanced, text, log_detail or text)
