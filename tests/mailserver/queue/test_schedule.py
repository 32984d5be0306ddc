"""The retry schedule and NOTIFY reading: backoff doubling to the cap, expiry, one delay warning, RFC 3461 defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailserver.config.schema import QueueSettings
from mailserver.queue.schedule import RetryPolicy, notify_text, wants

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
POLICY = RetryPolicy.from_settings(QueueSettings())


@pytest.mark.parametrize(
    ("failed", "wait"),
    [(1, 300), (2, 600), (3, 1200), (4, 2400), (5, 3600), (6, 3600), (40, 3600)],
)
def test_backoff_doubles_from_five_minutes_and_is_capped_at_an_hour(failed: int, wait: int) -> None:
    assert POLICY.next_attempt(failed, T0) == T0 + timedelta(seconds=wait)


def test_recipient_expires_after_five_days_by_default() -> None:
    assert not POLICY.expired(T0, T0 + timedelta(days=5) - timedelta(seconds=1))
    assert POLICY.expired(T0, T0 + timedelta(days=5))
    assert POLICY.retry_until(T0) == T0 + timedelta(days=5)


def test_delay_warning_is_due_after_four_hours_and_only_once() -> None:
    assert not POLICY.delay_warning_due(T0, T0 + timedelta(hours=3, minutes=59), False)
    assert POLICY.delay_warning_due(T0, T0 + timedelta(hours=4), False)
    assert not POLICY.delay_warning_due(T0, T0 + timedelta(hours=5), True)


@pytest.mark.parametrize(
    ("notify", "kind", "expected"),
    [
        (None, "FAILURE", True),  # RFC 3461 §4.1 default
        (None, "DELAY", True),
        (None, "SUCCESS", False),
        ("SUCCESS", "SUCCESS", True),
        ("SUCCESS", "FAILURE", False),
        ("SUCCESS,FAILURE,DELAY", "DELAY", True),
        ("NEVER", "FAILURE", False),
        ("NEVER", "SUCCESS", False),
    ],
)
def test_dsn_is_wanted_as_notify_says(notify: str | None, kind: str, expected: bool) -> None:
    assert wants(notify, kind) is expected  # type: ignore[arg-type]


def test_parsed_notify_keywords_are_stored_in_a_fixed_order_and_never_stands_alone() -> None:
    assert notify_text(None) is None
    assert notify_text(frozenset({"DELAY", "SUCCESS"})) == "SUCCESS,DELAY"
    assert notify_text(frozenset({"NEVER"})) == "NEVER"
