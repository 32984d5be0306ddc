"""The append-only, hash-chained audit trace (DESIGN.md §5, DOMAIN.md §11).

Owns appending and verifying trace entries. Each entry's hash covers its fields and the previous entry's hash,
so editing, deleting or reordering a row is detected by `verify`. Entries hold who, when, what and the result,
never message content. Appends are serialised (SQLite's write lock; a PostgreSQL advisory lock) so the chain
never forks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mailserver.store.engine import writer
from mailserver.store.records import AuditEntry
from mailserver.store.schema import audit_log

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x43414455  # "CADU": one advisory lock id for the chain head


def entry_hash(prev_hash: str, at: datetime, actor: str, action: str, target: str, result: str, detail: str) -> str:
    canonical = json.dumps(
        [prev_hash, _stamp(at), actor, action, target, result, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stamp(at: datetime) -> str:
    # SQLite returns naive datetimes; normalise both sides to UTC microseconds.
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_broken: int | None  # sequence number of the first entry that does not verify
    reason: str


class AuditTrail:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    async def record(
        self, actor: str, action: str, target: str, result: str, detail: dict[str, Any] | None = None
    ) -> int:
        """Append one entry in its own transaction; returns its sequence number."""
        async with writer(self._engine).begin() as conn:
            return await self.record_in(conn, actor, action, target, result, detail)

    async def record_in(
        self,
        conn: AsyncConnection,
        actor: str,
        action: str,
        target: str,
        result: str,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Append one entry inside the caller's write transaction (so the trace commits with the act)."""
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
        prev = (
            await conn.execute(select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1))
        ).scalar_one_or_none() or GENESIS
        at = self._clock()
        body = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        digest = entry_hash(prev, at, actor, action, target, result, body)
        res = await conn.execute(
            audit_log.insert().values(
                at=at,
                actor=actor,
                action=action,
                target=target,
                result=result,
                detail=body,
                prev_hash=prev,
                hash=digest,
            )
        )
        pk = res.inserted_primary_key
        assert pk is not None
        return int(pk[0])

    async def record_all_in(
        self, conn: AsyncConnection, entries: Sequence[tuple[str, str, str, str, dict[str, Any] | None]]
    ) -> None:
        """Append (actor, action, target, result, detail) entries in order inside the caller's write transaction:
        the chain head is read once and the rows are inserted together (the IMAP access log's group commit)."""
        if not entries:
            return
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
        prev = (
            await conn.execute(select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1))
        ).scalar_one_or_none() or GENESIS
        rows = []
        for actor, action, target, result, detail in entries:
            at = self._clock()
            body = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            digest = entry_hash(prev, at, actor, action, target, result, body)
            rows.append(
                {
                    "at": at,
                    "actor": actor,
                    "action": action,
                    "target": target,
                    "result": result,
                    "detail": body,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        await conn.execute(audit_log.insert(), rows)

    async def entries(self, *, target: str | None = None, limit: int = 100) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        if target is not None:
            query = query.where(audit_log.c.target == target)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [AuditEntry(**dict(r)) for r in rows]

    async def verify(self, batch: int = 5000) -> ChainReport:
        """Walk the chain in order; report the first entry whose hash or link does not check out."""
        prev = GENESIS
        count = 0
        last_seq = 0
        async with self._engine.connect() as conn:
            while True:
                rows = (
                    (
                        await conn.execute(
                            select(audit_log).where(audit_log.c.seq > last_seq).order_by(audit_log.c.seq).limit(batch)
                        )
                    )
                    .mappings()
                    .all()
                )
                if not rows:
                    return ChainReport(count, None, "intact")
                for r in rows:
                    count += 1
                    last_seq = r["seq"]
                    if r["prev_hash"] != prev:
                        return ChainReport(count, r["seq"], "link to the previous entry is broken")
                    expected = entry_hash(
                        r["prev_hash"],
                        r["at"],
                        r["actor"],
                        r["action"],
                        r["target"],
                        r["result"],
                        r["detail"],
                    )
                    if expected != r["hash"]:
                        return ChainReport(count, r["seq"], "entry content does not match its hash")
                    prev = r["hash"]
