"""Rate limiting of failed authentications, per account and per client address, shared by every node.

Owns the policy on top of the store's counters (`store.authlimits`): every failure counts against the account
name given (existing or not) and the client address; each further failure waits longer before the answer
(`base_delay` doubled each time, capped), and a key that reaches its threshold is locked for the lockout period:
`auth.max_failures` for an account, `ip_factor` times that for an address (a hospital's NAT hides many users).
While locked, credentials are not even checked. A success forgets the account's failures (not the address's).
Never answers the client itself; the caller replies, identically for a lockout and a bad password.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from mailserver.store.authlimits import AuthLimits

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class LimitState:
    failures: int
    locked: bool


class FailureLimiter:
    def __init__(
        self,
        limits: AuthLimits,
        *,
        max_failures: int,
        lockout: timedelta,
        ip_factor: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._limits = limits
        self._max = max(1, max_failures)
        self._lockout = lockout
        self._ip_factor = max(1, ip_factor)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep

    def _keys(self, account: str | None, client_ip: str | None) -> list[tuple[str, int]]:
        keys: list[tuple[str, int]] = []
        if account:
            keys.append((f"account:{account.strip().lower()[:300]}", self._max))
        if client_ip:
            keys.append((f"ip:{client_ip}", self._max * self._ip_factor))
        return keys

    async def locked(self, account: str | None, client_ip: str | None) -> bool:
        """Whether the account or the client address is locked out now."""
        keys = [k for k, _ in self._keys(account, client_ip)]
        if not keys:
            return False
        states = await self._limits.states(keys, self._lockout)
        return any(s.locked_until is not None for s in states.values())

    async def failed(self, account: str | None, client_ip: str | None) -> LimitState:
        """Count a failure, then wait the growing delay before the caller answers."""
        keys = self._keys(account, client_ip)
        if not keys:
            return LimitState(0, False)
        states = await self._limits.record_failure(keys, self._lockout, self._lockout)
        failures = max(s.failures for s in states.values())
        locked = any(s.locked_until is not None for s in states.values())
        delay = min(self._base_delay * 2 ** (failures - 1), self._max_delay)
        if delay > 0:
            await self._sleep(delay)
        return LimitState(failures, locked)

    async def succeeded(self, account: str) -> None:
        await self._limits.clear(f"account:{account.strip().lower()[:300]}")
