"""The change feed IDLE and NOOP wait on: new mail, flag changes and expunges, from every process and node.

Owns fanning out folder changes [(folder_id, modseq)] to in-process watchers, from three sources:
- this process's commits, immediately (`MailStore.subscribe`; IMAP writers publish there too);
- on PostgreSQL, a dedicated connection LISTENing on `caducee_folders` (NOTIFY is sent inside each writing
  transaction and delivered at commit), reconnecting with a catch-up poll if the connection drops;
- on SQLite, a poll of `folders.highestmodseq` for the watched folders only, every `poll_interval` seconds
  (40 ms by default: the push to IDLE stays under 50 ms across worker processes).
Changes are coalesced: a watcher learns the highest modseq seen, then asks `ChangeReader` what changed. Modseq 0
means the folder is gone. Never reads message data and never blocks a writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.imap_announce import FOLDER_GONE, parse_payload
from mailserver.store.imap_changes import ChangeReader
from mailserver.store.loop_reads import LoopReader
from mailserver.store.mail import MailStore
from mailserver.store.mail_postgres import NOTIFY_CHANNEL

log = logging.getLogger(__name__)
DEFAULT_POLL_INTERVAL = 0.04
RECONNECT_DELAY = 1.0
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class FolderWatch:
    """Changes of one folder after `modseq`. `await wait()` returns the highest modseq announced (0: gone)."""

    def __init__(self, feed: ChangeFeed, folder_id: int, modseq: int) -> None:
        self.folder_id = folder_id
        self.latest = modseq
        self.gone = False
        self._feed = feed
        self._changed = asyncio.Event()

    def signal(self, modseq: int) -> None:
        if self.gone:
            return  # told once; the SQLite poll would repeat it every cycle
        if modseq == FOLDER_GONE:
            self.gone = True
        elif modseq <= self.latest:
            return
        else:
            self.latest = modseq
        self._changed.set()

    async def wait(self) -> int:
        """The latest modseq once something changed since the last call (wrap in `asyncio.timeout` to bound it)."""
        await self._changed.wait()
        self._changed.clear()
        return FOLDER_GONE if self.gone else self.latest

    def __aiter__(self) -> FolderWatch:
        return self

    async def __anext__(self) -> int:
        if self.gone and not self._changed.is_set():
            raise StopAsyncIteration
        return await self.wait()

    def close(self) -> None:
        self._feed._forget(self)

    def __enter__(self) -> FolderWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ChangeFeed:
    def __init__(
        self,
        engine: AsyncEngine,
        mail: MailStore,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        reads: LoopReader,
    ) -> None:
        self._engine = engine
        self._mail = mail
        self._reader = ChangeReader(engine, reads)
        self._poll_interval = poll_interval
        self._watches: dict[int, set[FolderWatch]] = {}
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Any = None
        self._listening = asyncio.Event()
        self._stop = asyncio.Event()

    async def start(self) -> None:
        """Start listening (PostgreSQL) or polling (SQLite). Returns once changes are being received."""
        self._unsubscribe = self._mail.subscribe(self.dispatch)
        if self._engine.dialect.name == "postgresql":
            self._task = asyncio.create_task(self._listen())
            with contextlib.suppress(TimeoutError):  # unreachable: keep trying in the background, catch up later
                async with asyncio.timeout(START_TIMEOUT):
                    await self._listening.wait()
        else:
            self._task = asyncio.create_task(self._poll())

    async def close(self) -> None:
        """Stop between two reads: a task cancelled inside a pool checkout would leak its connection."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._stop.set()
        if self._task is not None:
            try:
                async with asyncio.timeout(STOP_TIMEOUT):
                    await asyncio.shield(self._task)
            except TimeoutError:  # stuck connecting to PostgreSQL: nothing of the pool is held there
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None

    def watch(self, folder_id: int, modseq: int) -> FolderWatch:
        """Watch a folder for changes above `modseq` (the HIGHESTMODSEQ the session has reported)."""
        watch = FolderWatch(self, folder_id, modseq)
        self._watches.setdefault(folder_id, set()).add(watch)
        return watch

    def dispatch(self, changes: list[tuple[int, int]]) -> None:
        """Hand changes [(folder_id, modseq)] to the watchers of those folders."""
        for folder_id, modseq in changes:
            for watch in list(self._watches.get(folder_id, ())):
                watch.signal(modseq)

    def _forget(self, watch: FolderWatch) -> None:
        watchers = self._watches.get(watch.folder_id)
        if watchers is not None:
            watchers.discard(watch)
            if not watchers:
                del self._watches[watch.folder_id]

    async def _catch_up(self) -> None:
        ids = list(self._watches)
        current = await self._reader.highest_modseqs(ids)
        self.dispatch([(folder_id, current.get(folder_id, FOLDER_GONE)) for folder_id in ids])

    async def _pause(self, seconds: float) -> None:
        """Sleep `seconds`, or less when the feed is stopping."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stop.wait()

    async def _poll(self) -> None:
        while not self._stop.is_set():
            if self._watches:
                try:
                    await self._catch_up()
                except Exception:  # a locked or unreachable database must not end the feed
                    log.warning("change feed poll failed", exc_info=True)
            await self._pause(self._poll_interval)

    async def _listen(self) -> None:
        import asyncpg  # the PostgreSQL driver; SQLite deployments never load it

        dsn = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(dsn)
            except (OSError, asyncpg.PostgresError):
                log.warning("change feed cannot connect; retrying", exc_info=True)
                await self._pause(RECONNECT_DELAY)
                continue
            try:
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
                self._listening.set()
                await self._catch_up()  # what changed while no one listened
                stop, drop = asyncio.ensure_future(self._stop.wait()), asyncio.ensure_future(lost.wait())
                await asyncio.wait({stop, drop}, return_when=asyncio.FIRST_COMPLETED)
                stop.cancel()
                drop.cancel()
                if lost.is_set():
                    log.warning("change feed connection lost; reconnecting")
            except (OSError, asyncpg.PostgresError):
                log.warning("change feed listener failed; reconnecting", exc_info=True)
            finally:
                if not conn.is_closed():
                    await conn.close()
            await self._pause(RECONNECT_DELAY)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        change = parse_payload(payload)
        if change is not None:
            self.dispatch([change])
