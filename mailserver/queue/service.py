"""Building the outbound queue from the configuration: spool, outbox, router, sending client and runner.

Owns the wiring of `mailserver.queue` for the runtime and the `caducee queue` commands: our certificate
(`tls.certificate`/`tls.private_key`) as the client certificate, `trust.anchors` (never the system store) for the
peer, `trust.crls` files for revocation, `queue.routes` and the injected MX resolver (real DNS by default), and the
retry policy of `[queue]`. Never starts tasks by itself: the runtime runs `QueueService.runner.run`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from mailserver.config import Settings, resolve_path
from mailserver.crypto.pem_files import read_certificates
from mailserver.crypto.tls import RevocationChecker, client_context
from mailserver.queue.client import OperatorClient
from mailserver.queue.outbox import Outbox
from mailserver.queue.peer import OperatorDns, PeerCheck
from mailserver.queue.routing import DnsMxResolver, MxResolver, Router
from mailserver.queue.runner import QueueRunner
from mailserver.queue.schedule import RetryPolicy
from mailserver.store import Store
from mailserver.store.blobs import BlobCipher
from mailserver.store.queue import Spool
from mailserver.store.trust import TrustStore


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TrustSpaceDns:
    """`OperatorDns` over the trust store: the whitelist DNs in force for a domain."""

    trust: TrustStore

    async def operator_dns(self, domain: str) -> list[str]:
        return [entry.dn for entry in await self.trust.entries(domain)]


@dataclass
class QueueService:
    spool: Spool
    outbox: Outbox
    runner: QueueRunner


def hostname_of(settings: Settings) -> str:
    return settings.instance.hostname or f"mail.{settings.instance.domain}"


def open_spool(settings: Settings, store: Store, clock: Callable[[], datetime] = _utcnow) -> Spool:
    cipher = BlobCipher.from_file(resolve_path(settings, settings.store.blob_keys))
    return Spool(store.engine, cipher, clock)


def build_queue(
    settings: Settings,
    store: Store,
    trust: OperatorDns | None = None,
    *,
    resolver: MxResolver | None = None,
    clock: Callable[[], datetime] = _utcnow,
    poll_seconds: float = 5.0,
) -> QueueService:
    hostname = hostname_of(settings)
    spool = open_spool(settings, store, clock)
    outbox = Outbox(store, spool, hostname, clock)
    anchor_paths = [resolve_path(settings, a) for a in settings.trust.anchors]
    tls = client_context(
        anchors=anchor_paths,
        cert_path=resolve_path(settings, settings.tls.certificate),
        key_path=resolve_path(settings, settings.tls.private_key),
        check_hostname=False,  # operators are identified by the whitelist DN of the recipient domain (peer.py)
    )
    crl_files = [resolve_path(settings, c) for c in settings.trust.crls if "://" not in c]
    revocation = RevocationChecker.from_files(anchor_paths, crl_files, clock=clock) if crl_files else None
    anchors = [cert for path in anchor_paths for cert in read_certificates(path)]
    peer = PeerCheck(trust or TrustSpaceDns(TrustStore(store.engine, clock)), anchors, clock, revocation)
    client = OperatorClient(tls, peer, hostname)
    router = Router(settings.queue.routes, resolver or DnsMxResolver())
    runner = QueueRunner(
        spool,
        outbox,
        router,
        client,
        RetryPolicy.from_settings(settings.queue),
        clock,
        hostname=hostname,
        poll_seconds=poll_seconds,
    )
    return QueueService(spool, outbox, runner)
