"""Authentication failure counters: counted per key, locked at the threshold, forgotten after the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailserver.store import Store
from mailserver.store.authlimits import AuthLimits

WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_key_is_locked_at_its_threshold_and_released_after_the_lockout(store: Store) -> None:
    clock = Clock()
    limits = AuthLimits(store.engine, clock)
    for _ in range(2):
        states = await limits.record_failure([("account:a@x", 3), ("ip:192.0.2.1", 10)], WINDOW, LOCKOUT)
    assert states["account:a@x"].failures == 2 and not states["account:a@x"].locked(clock.now)
    states = await limits.record_failure([("account:a@x", 3), ("ip:192.0.2.1", 10)], WINDOW, LOCKOUT)
    assert states["account:a@x"].locked(clock.now) and not states["ip:192.0.2.1"].locked(clock.now)
    assert (await limits.states(["account:a@x"], WINDOW))["account:a@x"].locked(clock.now)
    clock.now += LOCKOUT + timedelta(seconds=1)
    assert await limits.states(["account:a@x"], WINDOW) == {}


async def test_failures_older_than_the_window_start_again_and_clear_forgets(store: Store) -> None:
    clock = Clock()
    limits = AuthLimits(store.engine, clock)
    await limits.record_failure([("account:a@x", 5)], WINDOW, LOCKOUT)
    clock.now += WINDOW + timedelta(seconds=1)
    states = await limits.record_failure([("account:a@x", 5)], WINDOW, LOCKOUT)
    assert states["account:a@x"].failures == 1
    await limits.clear("account:a@x")
    assert await limits.states(["account:a@x"], WINDOW) == {}
    await limits.record_failure([("ip:x", 5)], WINDOW, LOCKOUT)
    clock.now += timedelta(days=2)
    assert await limits.prune(timedelta(days=1)) == 1
