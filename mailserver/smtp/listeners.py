"""Starting the SMTP listeners on the shared loop: the MX and the two submission ports.

Owns the composition of the SMTP side from the settings and the store: TLS contexts (the health profile of
`crypto.tls`, client certificates requested and checked against `trust.anchors` only), the certificate verifier
(anchors and `trust.crls`, refreshed every `CRL_REFRESH` seconds, the last valid CRL kept), the trust space, the
delivery service, the authenticator (rate limits shared through the database) and one `asyncio.Server` per
configured address (SO_REUSEPORT, so `serve --workers N` shares the ports). `start(rt)` is the starter registered
in `mailserver.runtime.LISTENERS`; `build` is what tests call with their own seams (pharmacies, queue, delays).
Never decides anything itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from directory.search import get_by_address
from mailserver.auth import setup as auth_setup
from mailserver.auth.limiter import Sleep
from mailserver.auth.peer import CertificateVerifier
from mailserver.config import Settings, resolve_path
from mailserver.crypto.names import normalise_dn, subject_dn_string
from mailserver.crypto.pem_files import read_certificates
from mailserver.crypto.tls import server_context
from mailserver.delivery.context import DeliveryConfig, DeliveryContext
from mailserver.delivery.domains import LocalDomains
from mailserver.delivery.outbound import DeliveryReports, OutboundQueue
from mailserver.delivery.pharmacies import DirectoryPharmacies, Pharmacies
from mailserver.delivery.service import DeliveryService
from mailserver.delivery.trust.space import TrustSpace
from mailserver.smtp.connection import SmtpConnection
from mailserver.smtp.services import SessionLimits, SmtpServices
from mailserver.smtp.session import Door
from mailserver.store import Store, utcnow
from mailserver.store.trust import TrustStore

log = logging.getLogger("caducee.smtp")

CRL_REFRESH = 300.0  # seconds between reloads of the CRL files and URLs
# OpenSSL X509_V_FLAG_NO_CHECK_TIME: an expired client certificate still completes the handshake, so that the MX
# answers `550 5.7.1` at MAIL (our own check, `auth.peer`, does check the dates) instead of a bare TLS alert.
# A certificate from an unknown CA still ends the handshake: Python's ssl offers no verify callback.
_NO_CHECK_TIME = 0x200000


class RuntimeView(Protocol):
    settings: Settings
    store: Store


@dataclass
class SmtpListeners:
    services: SmtpServices
    servers: list[asyncio.Server]
    ports: dict[str, int]  # "mx" | "submission" | "submissions" -> bound port
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def close(self) -> None:
        for server in self.servers:
            server.close()
        for task in self.tasks:
            task.cancel()
        for server in self.servers:
            await server.wait_closed()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def start(rt: RuntimeView) -> list[asyncio.Server]:
    """The starter of `mailserver.runtime.LISTENERS`. The queue's outbox (`rt.queue.outbox`, None in some tests)
    takes remote recipients and success DSNs."""
    queue = getattr(rt, "queue", None)
    outbox = getattr(queue, "outbox", None)
    listeners = await build(rt.settings, rt.store, outbound=outbox, reports=outbox)
    return listeners.servers


async def build(
    settings: Settings,
    store: Store,
    *,
    outbound: OutboundQueue | None = None,
    reports: DeliveryReports | None = None,
    pharmacies: Pharmacies | None = None,
    auth_base_delay: float = 0.5,
    auth_sleep: Sleep = asyncio.sleep,
) -> SmtpListeners:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-connection INFO lines
    cert = resolve_path(settings, settings.tls.certificate)
    key = resolve_path(settings, settings.tls.private_key)
    anchors = [resolve_path(settings, a) for a in settings.trust.anchors]
    verifier = auth_setup.certificate_verifier(settings)
    if any("://" in c for c in settings.trust.crls):  # CRLs published at URLs: fetch them once before serving
        for problem in await verifier.refresh_crls():
            log.warning("CRL not loaded", extra={"problem": problem})
    domain = settings.instance.domain.lower()
    hostname = settings.instance.hostname or f"mail.{domain}"
    own_domains = [domain, settings.instance.patient_domain or f"patient.{domain}"]
    own_dn = subject_dn_string(read_certificates(cert)[0])
    trust = TrustSpace(TrustStore(store.engine, utcnow), own_domains, normalise_dn(own_dn), clock=utcnow)
    context = DeliveryContext(
        store,
        trust,
        LocalDomains(store.accounts, clock=utcnow),
        DeliveryConfig(hostname, settings.smtp.max_message_size),
        pharmacies=pharmacies or DirectoryPharmacies(functools.partial(get_by_address, store.engine)),
        outbound=outbound,
        reports=reports,
    )
    services = SmtpServices(
        hostname=hostname,
        delivery=DeliveryService(context),
        authenticator=auth_setup.authenticator(settings, store, verifier, base_delay=auth_base_delay, sleep=auth_sleep),
        verifier=verifier,
        limits=SessionLimits(
            max_message_size=settings.smtp.max_message_size,
            max_recipients=settings.smtp.max_recipients,
            max_header_fields=settings.smtp.max_header_fields,
            idle_timeout=float(settings.smtp.idle_timeout),
        ),
    )
    tls = _client_certificate_context(cert, key, anchors)
    doors = (
        ("mx", settings.smtp.mx, Door("mx")),
        ("submission", settings.smtp.submission, Door("submission")),
        ("submissions", settings.smtp.submissions, Door("submission", implicit_tls=True)),
    )
    servers: list[asyncio.Server] = []
    ports: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    for name, address, door in doors:
        if not address:
            continue
        host, port = _host_port(address)
        server = await loop.create_server(
            lambda door=door: SmtpConnection(services, door, tls_context=tls, loop=loop),
            host,
            port,
            ssl=tls if door.implicit_tls else None,
            reuse_port=True,
        )
        servers.append(server)
        ports[name] = server.sockets[0].getsockname()[1]
    listeners = SmtpListeners(services, servers, ports)
    listeners.tasks.append(asyncio.create_task(_refresh_crls(verifier, servers)))
    return listeners


def _client_certificate_context(cert: Path, key: Path, anchors: Sequence[Path]) -> ssl.SSLContext:
    ctx = server_context(cert, key, client_ca_paths=anchors, require_client_cert=False)
    ctx.verify_flags |= _NO_CHECK_TIME
    return ctx


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


async def _refresh_crls(verifier: CertificateVerifier, servers: list[asyncio.Server]) -> None:
    while any(s.is_serving() for s in servers):
        await asyncio.sleep(CRL_REFRESH)
        for problem in await verifier.refresh_crls():
            log.warning("CRL not refreshed", extra={"problem": problem})
