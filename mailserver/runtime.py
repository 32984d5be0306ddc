"""The composition root: reads the configuration, builds the store and the services, starts the listeners.

Owns process start-up and shutdown. Twisted's asyncio reactor is installed before anything imports
`twisted.internet.reactor`, so the LDAP view and our asyncio servers share one loop (DESIGN.md §4).
Protocol listeners register a starter in `LISTENERS`; each returns the servers it started. Background jobs (the
outbound queue runner, the text indexer, the garbage collector) register in `BACKGROUND`: each runs until the
stop event is set.
`serve --workers N` runs N processes, each binding the same addresses with SO_REUSEPORT.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailserver.config import Settings, resolve_path
from mailserver.imap import listeners as imap_listeners
from mailserver.queue.service import QueueService, build_queue
from mailserver.smtp import listeners as smtp_listeners
from mailserver.store import Store, utcnow
from mailserver.store import migrate as store_migrate
from mailserver.store.imap_gc import GarbageCollector, collect_periodically

log = logging.getLogger("caducee.runtime")


def migration_locations() -> list[Path]:
    """Version folders of every component with its own migration branch (the store's is built in)."""
    import directory

    extra = Path(directory.__file__).parent / "migrations" / "versions"
    return [extra] if extra.is_dir() else []


def open_store(settings: Settings) -> Store:
    return Store.open(
        settings.store.url,
        resolve_path(settings, settings.store.blob_keys),
        settings.base_dir,
        pool_size=settings.store.pool_size,
    )


async def migrate(settings: Settings) -> None:
    store = open_store(settings)
    try:
        await store_migrate.upgrade(store.engine, migration_locations())
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def opened_store(settings: Settings) -> AsyncIterator[Store]:
    """A store for one command; refuses to work on a database whose schema is behind the code."""
    store = open_store(settings)
    try:
        todo = await store_migrate.pending(store.engine, migration_locations())
        if todo:
            from mailserver.errors import StoreUnavailable

            raise StoreUnavailable(
                f"the database schema is not current ({len(todo)} migrations pending): run `caducee migrate`"
            )
        yield store
    finally:
        await store.close()


@dataclass
class Runtime:
    """What a serving process holds. Listener starters receive it."""

    settings: Settings
    store: Store
    queue: QueueService | None = None  # the outbound queue; delivery takes `queue.outbox` (OutboundQueue)


Starter = Callable[[Runtime], Awaitable[list[asyncio.Server]]]
LISTENERS: list[Starter] = [smtp_listeners.start, imap_listeners.start]


async def run_queue(rt: Runtime, stop: asyncio.Event) -> None:
    if rt.queue is not None:
        await rt.queue.runner.run(stop)


async def index_text(rt: Runtime, _stop: asyncio.Event) -> None:
    """The text a previous run left out of the search index (SQLite) is indexed in the background."""
    rt.store.mail.start_indexing()


async def collect_garbage(rt: Runtime, stop: asyncio.Event) -> None:
    """Expunged messages' bytes leave the store once nothing refers to them (`store.gc_interval`)."""
    if rt.settings.store.gc_interval > 0:
        collector = GarbageCollector(rt.store.engine, utcnow)
        await collect_periodically(collector, rt.settings.store.gc_interval, stop)


Background = Callable[[Runtime, asyncio.Event], Coroutine[Any, Any, None]]
BACKGROUND: list[Background] = [
    run_queue,
    index_text,
    collect_garbage,
    imap_listeners.stop_when,
]  # IMAP: `* BYE` to every session at stop


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and any `extra` fields (trace ids)."""

    _skip = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "t": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in self._skip})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The classic line, followed by the record's `extra` fields as key=value (trace ids, addresses)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = [f"{k}={v}" for k, v in record.__dict__.items() if k not in JsonFormatter._skip]
        return f"{line} {' '.join(extra)}" if extra else line


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log.level)


def install_reactor() -> asyncio.AbstractEventLoop:
    """A new event loop with Twisted's asyncio reactor on it (must run before any reactor import)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    from twisted.internet import asyncioreactor

    if "twisted.internet.reactor" not in sys.modules:
        asyncioreactor.install(loop)  # type: ignore[no-untyped-call]
    return loop


async def _serve(settings: Settings, ready: Callable[[list[asyncio.Server]], None] | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with opened_store(settings) as store:
        rt = Runtime(settings, store, build_queue(settings, store))
        servers: list[asyncio.Server] = []
        for start in LISTENERS:
            servers.extend(await start(rt))
        for srv in servers:
            for sock in srv.sockets:
                host, port = sock.getsockname()[:2]
                log.info("listening", extra={"address": f"{host}:{port}"})
        if ready is not None:
            ready(servers)
        log.info("serving", extra={"pid": os.getpid(), "listeners": len(servers)})
        background = [asyncio.create_task(job(rt, stop)) for job in BACKGROUND]
        await stop.wait()
        log.info("stopping")
        await asyncio.gather(*background, return_exceptions=True)
        for srv in servers:
            srv.close()
        for srv in servers:
            await srv.wait_closed()


def serve(settings: Settings, config_path: str, workers: int = 1) -> int:
    """Run the server in the foreground until SIGINT/SIGTERM."""
    configure_logging(settings)
    if workers > 1:
        return _supervise(config_path, workers)
    loop = install_reactor()
    try:
        loop.run_until_complete(_serve(settings, None))
    finally:
        loop.close()
    return 0


def _supervise(config_path: str, workers: int) -> int:
    """Start `workers` single-process servers (they share the ports through SO_REUSEPORT) and wait for them."""
    cmd = [sys.executable, "-m", "mailserver", "serve", "-c", config_path, "--workers", "1"]
    children = [subprocess.Popen(cmd) for _ in range(workers)]

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [child.wait() for child in children]
    return max(codes)
