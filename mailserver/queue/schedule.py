"""When to try again, when to give up, when to warn, and which DSNs a recipient asked for.

Owns the retry schedule (exponential backoff from `queue.retry_initial`, capped at `queue.retry_max`, until
`queue.expire` after arrival; RFC 5321 §4.5.4.1 asks for at least 30 minutes between tries and 4-5 days before
giving up, both configurable here), the single delay warning after `queue.delay_warning`, and the reading of RFC 3461
NOTIFY. Pure: no clock of its own, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from mailserver.config.schema import QueueSettings

DsnKind = Literal["SUCCESS", "FAILURE", "DELAY"]
DEFAULT_NOTIFY = frozenset({"FAILURE", "DELAY"})  # RFC 3461 §4.1: without NOTIFY, report failures (and delays)


@dataclass(frozen=True)
class RetryPolicy:
    initial: timedelta
    maximum: timedelta
    expire: timedelta
    delay_warning: timedelta

    @classmethod
    def from_settings(cls, q: QueueSettings) -> RetryPolicy:
        return cls(
            timedelta(seconds=q.retry_initial),
            timedelta(seconds=q.retry_max),
            timedelta(seconds=q.expire),
            timedelta(seconds=q.delay_warning),
        )

    def next_attempt(self, failed_attempts: int, now: datetime) -> datetime:
        """After the n-th failed attempt (n >= 1): initial, 2×initial, 4×initial ... capped at maximum."""
        step = self.initial * (2 ** min(max(failed_attempts - 1, 0), 32))
        wait: timedelta = min(step, self.maximum)
        return now + wait

    def expired(self, arrived: datetime, now: datetime) -> bool:
        return now - arrived >= self.expire

    def retry_until(self, arrived: datetime) -> datetime:
        return arrived + self.expire

    def delay_warning_due(self, arrived: datetime, now: datetime, already_warned: bool) -> bool:
        return not already_warned and now - arrived >= self.delay_warning


def notify_set(notify: str | None) -> frozenset[str]:
    """The NOTIFY keywords as stored ("SUCCESS,DELAY"), or the default set when the client gave none."""
    if notify is None or not notify.strip():
        return DEFAULT_NOTIFY
    return frozenset(part.strip().upper() for part in notify.split(",") if part.strip())


def wants(notify: str | None, kind: DsnKind) -> bool:
    """Whether a DSN of `kind` goes to the sender for this recipient (NEVER wins, RFC 3461 §4.1)."""
    keywords = notify_set(notify)
    return "NEVER" not in keywords and kind in keywords


def notify_text(keywords: frozenset[str] | None) -> str | None:
    """The stored form of parsed NOTIFY keywords (NEVER alone, else the others in a fixed order)."""
    if keywords is None:
        return None
    if "NEVER" in keywords:
        return "NEVER"
    return ",".join(k for k in ("SUCCESS", "FAILURE", "DELAY") if k in keywords) or None
