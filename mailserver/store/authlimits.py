"""Failed authentication counters, shared by every worker and node (rate limiting of SMTP and IMAP logins).

Owns the table `auth_failures`: one row per key (`account:<address>` or `ip:<client address>`) with the number
of recent failures, the time of the last one and, once the threshold is reached, the end of the lockout.
Counters older than the window start again from zero. Rows are written in a write transaction (BEGIN IMMEDIATE
on SQLite, a row upsert on PostgreSQL), so concurrent failures on several nodes all count. It never decides
the delay or the threshold (the caller passes them) and never stores a password or a token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Integer, String, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.engine import writer
from mailserver.store.schema import Stamp, metadata

auth_failures = Table(
    "auth_failures",
    metadata,
    Column("key", String(400), primary_key=True),  # "account:<address>" | "ip:<address>"
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", Stamp, nullable=False),
    Column("locked_until", Stamp, nullable=True),
)


@dataclass(frozen=True)
class FailureState:
    failures: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class AuthLimits:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    async def states(self, keys: Sequence[str], window: timedelta) -> dict[str, FailureState]:
        """The state of each key (a key without recent failures is absent from the result)."""
        now = self._clock()
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(auth_failures).where(auth_failures.c.key.in_(list(keys))))).all()
        out: dict[str, FailureState] = {}
        for r in rows:
            state = _state(r, now, window)
            if state.failures or state.locked_until:
                out[r.key] = state
        return out

    async def record_failure(
        self, thresholds: Sequence[tuple[str, int]], window: timedelta, lockout: timedelta
    ) -> dict[str, FailureState]:
        """Count one failure on each key; a key reaching its threshold is locked for `lockout`."""
        now = self._clock()
        out: dict[str, FailureState] = {}
        async with writer(self._engine).begin() as conn:
            keys = [k for k, _ in thresholds]
            rows = {
                r.key: r for r in (await conn.execute(select(auth_failures).where(auth_failures.c.key.in_(keys)))).all()
            }
            for key, threshold in thresholds:
                row = rows.get(key)
                previous = _state(row, now, window) if row is not None else FailureState()
                failures = previous.failures + 1
                locked_until = previous.locked_until
                if failures >= threshold and not previous.locked(now):
                    locked_until = now + lockout
                values = dict(failures=failures, last_failure_at=now, locked_until=locked_until)
                if row is None:
                    await conn.execute(auth_failures.insert().values(key=key, **values))
                else:
                    await conn.execute(auth_failures.update().where(auth_failures.c.key == key).values(**values))
                out[key] = FailureState(failures, locked_until)
        return out

    async def clear(self, key: str) -> None:
        """Forget the failures of a key (after a successful login of that account)."""
        async with writer(self._engine).begin() as conn:
            await conn.execute(delete(auth_failures).where(auth_failures.c.key == key))

    async def prune(self, older_than: timedelta) -> int:
        """Remove rows whose last failure is older than `older_than` and that are not locked; returns the count."""
        now = self._clock()
        async with writer(self._engine).begin() as conn:
            res = await conn.execute(
                delete(auth_failures).where(
                    (auth_failures.c.last_failure_at < now - older_than)
                    & ((auth_failures.c.locked_until.is_(None)) | (auth_failures.c.locked_until < now))
                )
            )
        return int(res.rowcount or 0)


def _state(row: object, now: datetime, window: timedelta) -> FailureState:
    m = row._mapping  # type: ignore[attr-defined]
    locked_until = _aware(m["locked_until"])
    last = _aware(m["last_failure_at"])
    assert last is not None
    if locked_until is not None and now < locked_until:
        return FailureState(int(m["failures"]), locked_until)
    if now - last > window or locked_until is not None:  # the window passed, or a lockout ended: start again
        return FailureState()
    return FailureState(int(m["failures"]), None)
