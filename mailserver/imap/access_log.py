"""The audit trace of mailbox accesses made over IMAP: SELECT, FETCH of bodies, EXPUNGE, DELETE (DESIGN.md §5).

Owns `AccessLog`: each command records one entry (who, what, result, the folder and the UID range; never content),
and entries are written together in one transaction (group commit), so that a FETCH of 50 bodies costs one entry
and many busy sessions share commits. `record` returns once the entry is committed (EXPUNGE, DELETE: the trace is
durable before the client hears OK; it is written at once, with whatever is queued); `note` queues it for a
commit at most `linger` seconds later without making the client wait (SELECT, FETCH: reads, whose data the client
has already received; the linger gathers the entries of a burst of commands into one commit instead of one
commit racing each next command); `flush` and `close` write what is queued at once. A failure to write the
trace is logged as an error; it never turns a completed command into a failure. Never writes message data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from mailserver.store.imap_session_support import AccessRecord

log = logging.getLogger("caducee.imap")

Writer = Callable[[Sequence[AccessRecord]], Awaitable[None]]
MAX_BATCH = 500
LINGER = 0.2  # seconds a noted entry may wait for others before its commit
MAX_DETAIL_TEXT = 200  # a UID set of a sparse selection can be long: the trace keeps its start and the count


class AccessLog:
    def __init__(self, write: Writer, *, linger: float = LINGER) -> None:
        self._write = write
        self._linger = linger
        self._pending: list[tuple[AccessRecord, asyncio.Future[None]]] = []
        self._runner: asyncio.Task[None] | None = None
        self._now = asyncio.Event()  # set: write what is queued without lingering
        self._flushing = 0

    async def record(
        self, actor: str, action: str, target: str, result: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Append an entry and wait for its commit."""
        future = self.note(actor, action, target, result, detail)
        self._now.set()
        await asyncio.wait([future])

    def note(
        self, actor: str, action: str, target: str, result: str, detail: dict[str, Any] | None = None
    ) -> asyncio.Future[None]:
        """Queue an entry for the next commit; the returned future completes once it is written."""
        clipped = {k: _clip(v) for k, v in (detail or {}).items()}
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda done: _report(done, action, target))
        self._pending.append((AccessRecord(actor, action, target, result, clipped), future))
        if len(self._pending) >= MAX_BATCH:
            self._now.set()
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return future

    async def _run(self) -> None:
        while self._pending:
            if not self._now.is_set() and not self._flushing and self._linger > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._linger):
                        await self._now.wait()
            self._now.clear()
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                await self._write([record for record, _ in batch])
            except Exception as exc:  # every waiter learns it; the next batch is tried afresh
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def flush(self) -> None:
        """Return once every queued entry is written."""
        self._flushing += 1
        self._now.set()
        try:
            while self._runner is not None and not self._runner.done():
                await asyncio.gather(self._runner, return_exceptions=True)
        finally:
            self._flushing -= 1

    async def close(self) -> None:
        await self.flush()


def _report(done: asyncio.Future[None], action: str, target: str) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.error("audit trace not written", extra={"action": action, "target": target}, exc_info=done.exception())


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_DETAIL_TEXT:
        return value[:MAX_DETAIL_TEXT] + "..."
    return value
