"""What the patient rules need to know about conversations: the messages each patient received from professionals.

Owns the table `patient_threads`: one row per message delivered to a patient mailbox, with its Message-ID, the
root of its thread (the first id of References, else In-Reply-To, else its own id), the addresses it came from
(From, Reply-To and the envelope sender, normalised) and whether it closes the conversation (`[FIN]` subject or
`X-MSS-MES: FIN`). Delivery writes a row after the message is stored, and looks rows up when a patient sends,
to tell whether the patient is replying to that professional in an open conversation (DOMAIN.md §6).
It never stores message content and never decides anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.engine import writer
from mailserver.store.schema import Id, Stamp, metadata

patient_threads = Table(
    "patient_threads",
    metadata,
    Column("id", Id, primary_key=True),
    Column("patient_id", Id, ForeignKey("mailboxes.id", ondelete="CASCADE"), nullable=False),
    Column("message_id_header", String(998), nullable=False),  # "<id@host>" as in the Message-ID field
    Column("thread_root", String(998), nullable=False),
    Column("correspondents", Text, nullable=False),  # space-separated, normalised addresses
    Column("closes", Boolean, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Index("ix_patient_threads_message", "patient_id", "message_id_header"),
    Index("ix_patient_threads_root", "patient_id", "thread_root"),
)


@dataclass(frozen=True)
class ThreadMessage:
    message_id: str
    thread_root: str
    correspondents: frozenset[str]
    closes: bool


class PatientThreads:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    async def record(
        self,
        patient_id: int,
        message_id: str,
        thread_root: str,
        correspondents: Iterable[str],
        closes: bool,
    ) -> None:
        """Remember a message delivered to a patient; recording the same message again changes nothing."""
        async with writer(self._engine).begin() as conn:
            seen = (
                await conn.execute(
                    select(patient_threads.c.id).where(
                        (patient_threads.c.patient_id == patient_id)
                        & (patient_threads.c.message_id_header == message_id[:998])
                    )
                )
            ).first()
            if seen is not None:
                return
            await conn.execute(
                patient_threads.insert().values(
                    patient_id=patient_id,
                    message_id_header=message_id[:998],
                    thread_root=thread_root[:998],
                    correspondents=" ".join(sorted(set(correspondents))),
                    closes=closes,
                    created_at=self._clock(),
                )
            )

    async def received(self, patient_id: int, message_ids: Sequence[str]) -> list[ThreadMessage]:
        """The messages among `message_ids` that this patient received (from professionals)."""
        if not message_ids:
            return []
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(patient_threads).where(
                        (patient_threads.c.patient_id == patient_id)
                        & (patient_threads.c.message_id_header.in_([m[:998] for m in message_ids]))
                    )
                )
            ).all()
        return [_thread_message(r) for r in rows]

    async def closed_roots(self, patient_id: int, roots: Sequence[str]) -> set[str]:
        """The thread roots among `roots` in which this patient received a closing message."""
        if not roots:
            return set()
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(patient_threads.c.thread_root)
                    .where(
                        (patient_threads.c.patient_id == patient_id)
                        & (patient_threads.c.thread_root.in_(list(roots)))
                        & patient_threads.c.closes
                    )
                    .distinct()
                )
            ).all()
        return {r.thread_root for r in rows}


def _thread_message(row: object) -> ThreadMessage:
    m = row._mapping  # type: ignore[attr-defined]
    return ThreadMessage(
        m["message_id_header"], m["thread_root"], frozenset(m["correspondents"].split()), bool(m["closes"])
    )
