"""Starting the IMAP listeners on the shared loop: `imap.imap` (STARTTLS, 143) and `imap.imaps` (implicit TLS, 993).

Owns the composition of the IMAP side from the settings and the store: the store's `ImapView` and its change feed
(started before the first session), the authenticator (the same `mailserver.auth` service as SMTP submission, with
the failure limits shared through the database), the group-committed access log, the TLS context (the health
profile of `crypto.tls`, client certificates requested for EXTERNAL and checked against `trust.anchors` only) and
one `asyncio.Server` per configured address (SO_REUSEPORT, so `serve --workers N` shares the ports).
`start(rt)` is the starter registered in `mailserver.runtime.LISTENERS` and `stop_when(rt, event)` its
background job; `build` is what tests call with their own seams. Never decides anything itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mailserver.auth import setup as auth_setup
from mailserver.auth.authenticator import Authenticator
from mailserver.auth.limiter import Sleep
from mailserver.config import Settings, resolve_path
from mailserver.crypto.tls import server_context
from mailserver.errors import ConfigError
from mailserver.imap import replies
from mailserver.imap.access_log import AccessLog
from mailserver.imap.server import Door, close_sessions, serve
from mailserver.imap.services import ImapServices, SessionLimits
from mailserver.store import Store
from mailserver.store.imap_session_support import AccessRecord, record_accesses
from mailserver.store.imapview import ImapView


class RuntimeView(Protocol):
    settings: Settings
    store: Store


@dataclass
class ImapListeners:
    services: ImapServices
    servers: list[asyncio.Server]
    ports: dict[str, int]  # "imap" | "imaps" -> bound port
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def close(self) -> None:
        for server in self.servers:
            server.close()
        await close_sessions(self.services, replies.BYE_SHUTDOWN)
        for server in self.servers:
            await server.wait_closed()
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.services.access_log.close()
        await self.services.view.close()


MIN_IDLE_TIMEOUT = 30 * 60  # RFC 9051 §5.4: the autologout timer is at least 30 minutes
_RUNNING: dict[int, ImapListeners] = {}  # by id(runtime): what `stop_when` closes


async def start(rt: RuntimeView) -> list[asyncio.Server]:
    """The starter of `mailserver.runtime.LISTENERS`."""
    listeners = await build(rt.settings, rt.store)
    _RUNNING[id(rt)] = listeners
    return listeners.servers


async def stop_when(rt: RuntimeView, stop: asyncio.Event) -> None:
    """The background job of `mailserver.runtime.BACKGROUND`: at shutdown, `* BYE` to every session."""
    await stop.wait()
    listeners = _RUNNING.pop(id(rt), None)
    if listeners is not None:
        await listeners.close()


async def build(
    settings: Settings,
    store: Store,
    *,
    authenticator: Authenticator | None = None,
    auth_base_delay: float = 0.5,
    auth_sleep: Sleep = asyncio.sleep,
    limits: SessionLimits | None = None,
) -> ImapListeners:
    if settings.imap.idle_timeout < MIN_IDLE_TIMEOUT and limits is None:
        raise ConfigError("imap.idle_timeout", f"must be at least {MIN_IDLE_TIMEOUT} seconds (RFC 9051 §5.4)")
    cert = resolve_path(settings, settings.tls.certificate)
    key = resolve_path(settings, settings.tls.private_key)
    anchors = [resolve_path(settings, a) for a in settings.trust.anchors]
    view = ImapView(store)
    await view.start()
    if authenticator is None:
        authenticator = auth_setup.authenticator(settings, store, base_delay=auth_base_delay, sleep=auth_sleep)
    imap = settings.imap
    services = ImapServices(
        view=view,
        authenticator=authenticator,
        access_log=AccessLog(lambda records: _write(store, records)),
        limits=limits
        or SessionLimits(
            max_literal_size=imap.max_literal_size,
            max_line_length=imap.max_line_length,
            idle_timeout=float(imap.idle_timeout),
            max_sessions_per_user=imap.max_sessions_per_user,
        ),
        tls_context=server_context(cert, key, client_ca_paths=anchors),
    )
    servers: list[asyncio.Server] = []
    ports: dict[str, int] = {}
    for name, address, door in (
        ("imap", imap.imap, Door("imap")),
        ("imaps", imap.imaps, Door("imaps", implicit_tls=True)),
    ):
        if not address:
            continue
        host, port = _host_port(address)
        server = await serve(services, door, host, port)
        servers.append(server)
        ports[name] = server.sockets[0].getsockname()[1]
    return ImapListeners(services, servers, ports)


async def _write(store: Store, records: Sequence[AccessRecord]) -> None:
    await record_accesses(store, records)


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)
