"""What IMAP sessions need of the store beyond `ImapView`: writing several audit entries in one transaction.

Owns `record_accesses`, so that the accesses of many sessions (SELECT, body FETCH, EXPUNGE, DELETE) gathered
while a previous write was running cost one commit together instead of one each (group commit, as delivery does).
Entries hold who, what, result and identifiers, never message content. Never decides what is traced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mailserver.store import Store
from mailserver.store.engine import writer


@dataclass(frozen=True)
class AccessRecord:
    actor: str
    action: str
    target: str
    result: str
    detail: dict[str, Any] = field(default_factory=dict)


async def record_accesses(store: Store, records: Sequence[AccessRecord]) -> None:
    """Append `records` to the audit chain, in order, in one transaction."""
    if not records:
        return
    async with writer(store.engine).begin() as conn:
        await store.audit.record_all_in(conn, [(r.actor, r.action, r.target, r.result, r.detail) for r in records])
