"""The authenticator: identities with delegated mailboxes, failures counted per account and per address with a
growing delay, the lockout (credentials not even checked, the same failure as a bad password), and the trace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailserver.auth.authenticator import Authenticator
from mailserver.auth.identity import AuthFailure, Identity
from mailserver.auth.limiter import FailureLimiter
from mailserver.store import Store
from mailserver.store.authlimits import AuthLimits

PASSWORD = "correct horse battery staple"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class Pauses:
    """Records the delays the limiter asks for (instead of sleeping them)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
async def accounts(store: Store) -> Store:
    await store.accounts.create_mailbox("dr.martin@example.test", "PER", national_id="810001234567")
    await store.accounts.set_password("dr.martin@example.test", PASSWORD)
    await store.accounts.create_mailbox("cab@example.test", "CAB")
    await store.accounts.delegate("dr.martin@example.test", "cab@example.test")
    return store


def authenticator(store: Store, clock: Clock, pauses: Pauses, max_failures: int = 3) -> Authenticator:
    limiter = FailureLimiter(
        AuthLimits(store.engine, clock),
        max_failures=max_failures,
        lockout=timedelta(minutes=15),
        base_delay=0.5,
        max_delay=8,
        sleep=pauses,
    )
    return Authenticator(store.accounts, limiter, store.audit)


async def test_a_password_login_may_use_its_own_and_delegated_mailboxes(accounts: Store) -> None:
    result = await authenticator(accounts, Clock(), Pauses()).password("Dr.Martin@example.test", PASSWORD, "192.0.2.1")
    assert isinstance(result, Identity)
    assert result.addresses == {"dr.martin@example.test", "cab@example.test"}


async def test_failures_wait_longer_each_time_then_lock_the_account_even_for_the_right_password(
    accounts: Store,
) -> None:
    clock, pauses = Clock(), Pauses()
    auth = authenticator(accounts, clock, pauses)
    for _ in range(3):
        assert isinstance(await auth.password("dr.martin@example.test", "wrong!", "192.0.2.1"), AuthFailure)
    assert pauses.delays == [0.5, 1.0, 2.0]
    locked = await auth.password("dr.martin@example.test", PASSWORD, "192.0.2.9")
    assert isinstance(locked, AuthFailure) and locked.locked
    clock.now += timedelta(minutes=16)
    assert isinstance(await auth.password("dr.martin@example.test", PASSWORD, "192.0.2.9"), Identity)
    trace = [(e.action, e.result) for e in await accounts.audit.entries(target="dr.martin@example.test")]
    assert trace.count(("auth.login", "failed")) == 2 and ("auth.login", "locked") in trace
    assert ("auth.login", "ok") in trace
    assert all(PASSWORD not in e.detail and "wrong!" not in e.detail for e in await accounts.audit.entries())


async def test_a_client_address_is_locked_after_four_times_the_account_threshold(accounts: Store) -> None:
    auth = authenticator(accounts, Clock(), Pauses(), max_failures=2)
    for i in range(8):  # eight different (unknown) accounts from one address
        await auth.password(f"user{i}@example.test", "x", "198.51.100.7")
    result = await auth.password("dr.martin@example.test", PASSWORD, "198.51.100.7")
    assert isinstance(result, AuthFailure) and result.locked
    other_address = await auth.password("dr.martin@example.test", PASSWORD, "198.51.100.8")
    assert isinstance(other_address, Identity)


async def test_a_success_forgets_the_accounts_failures(accounts: Store) -> None:
    auth = authenticator(accounts, Clock(), Pauses())
    await auth.password("dr.martin@example.test", "wrong!", "192.0.2.1")
    await auth.password("dr.martin@example.test", "wrong!", "192.0.2.1")
    assert isinstance(await auth.password("dr.martin@example.test", PASSWORD, "192.0.2.1"), Identity)
    await auth.password("dr.martin@example.test", "wrong!", "192.0.2.1")
    await auth.password("dr.martin@example.test", "wrong!", "192.0.2.1")
    assert isinstance(await auth.password("dr.martin@example.test", PASSWORD, "192.0.2.1"), Identity)
