"""Garbage collection of message bytes no folder (and nothing else) refers to any more.

Owns removing, in small transactions, `messages` rows (their search rows cascade) and `blobs` that no table
references, and delivery records whose folder row is gone. What counts as a reference is read from the schema:
every foreign key onto `messages.id` or `blobs.id` that does not cascade (folder rows, the outbound queue, any
later extension), so a new referencing table is honoured without changing this module. Safe under concurrent
delivery: candidates must be older than a grace period, the DELETE re-tests the references itself, and a
reference taken meanwhile makes the foreign key refuse the DELETE (the batch is skipped and tried again next run).
Never deletes anything younger than the grace period. `collect_periodically` runs it in the background of every
serving process (`store.gc_interval`); several processes collecting at once only find less to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, delete, exists, select
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store import extensions
from mailserver.store.engine import writer
from mailserver.store.schema import blobs, deliveries, folder_messages, messages, metadata

log = logging.getLogger(__name__)
DEFAULT_GRACE = timedelta(minutes=10)
BATCH = 500


@dataclass(frozen=True, slots=True)
class GarbageReport:
    messages: int
    blobs: int
    deliveries: int


def unreferenced(target: Table) -> ColumnElement[bool]:
    """No non-cascading foreign key in the schema points at this row of `target`."""
    extensions.load_all()
    tests: list[ColumnElement[bool]] = []
    for table in metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table is target and (fk.ondelete or "").upper() != "CASCADE":
                tests.append(~exists().where(fk.parent == fk.column))
    return and_(*tests)


class GarbageCollector:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime], *, grace: timedelta = DEFAULT_GRACE) -> None:
        self._engine = engine
        self._clock = clock
        self._grace = grace

    async def collect(self, *, max_batches: int = 1000) -> GarbageReport:
        """Remove what nothing refers to; returns how many rows of each kind went."""
        cutoff = self._clock() - self._grace
        gone_messages = gone_blobs = 0
        free_message = unreferenced(messages)
        free_blob = unreferenced(blobs)
        for _ in range(max_batches):
            async with self._engine.connect() as conn:
                batch = (
                    await conn.execute(
                        select(messages.c.id, messages.c.blob_id)
                        .where((messages.c.created_at < cutoff) & free_message)
                        .limit(BATCH)
                    )
                ).all()
            if not batch:
                break
            ids = [r.id for r in batch]
            try:
                async with writer(self._engine).begin() as conn:
                    # search rows go by cascade (and with them, on SQLite, their FTS entries, by trigger)
                    result = await conn.execute(delete(messages).where(messages.c.id.in_(ids) & free_message))
                    gone_messages += result.rowcount
                    blob_ids = [r.blob_id for r in batch]
                    result = await conn.execute(delete(blobs).where(blobs.c.id.in_(blob_ids) & free_blob))
                    gone_blobs += result.rowcount
            except SqlIntegrityError:  # a delivery took one of them meanwhile: leave this batch for next time
                log.info("garbage collection batch skipped: a message was referenced meanwhile")
                break
        async with writer(self._engine).begin() as conn:
            dangling = ~exists().where(folder_messages.c.id == deliveries.c.folder_message_id)
            result = await conn.execute(delete(deliveries).where((deliveries.c.created_at < cutoff) & dangling))
        return GarbageReport(gone_messages, gone_blobs, result.rowcount)


async def collect_periodically(collector: GarbageCollector, interval: float, stop: asyncio.Event) -> None:
    """Collect every `interval` seconds until `stop` is set, the first time at a random point of the first interval
    (workers started together do not collect together). A failed run is logged and tried again next time."""
    wait = random.uniform(0, interval)  # noqa: S311 (spreading work, not security)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
            return
        wait = interval
        try:
            report = await collector.collect()
        except Exception:
            log.exception("garbage collection failed; trying again in %.0f s", interval)
            continue
        if report.messages or report.blobs or report.deliveries:
            log.info(
                "garbage collected",
                extra={"messages": report.messages, "blobs": report.blobs, "deliveries": report.deliveries},
            )
