"""Starting and stopping the LDAP address book listeners on the shared asyncio loop.

Owns the Twisted side: the reactor must be Twisted's asyncio reactor on the running loop (the runtime installs
it first, DESIGN.md §4; if no reactor is installed yet this installs it), the TLS context (TLS 1.2 with the
four ECDHE-RSA suites of DOMAIN.md §2, and TLS 1.3), an implicit-TLS listener (`ldaps`) and a StartTLS
listener (`ldap`). It never reads configuration: the runtime passes addresses, files and callables.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from twisted.internet.protocol import ServerFactory

from directory.ldap.server import AddressBook, AddressBookProtocol, VerifyCredentials

CLIENT_CIPHERS = (  # DOMAIN.md §2: the client reference profile
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256"
)


@dataclass(frozen=True)
class TlsFiles:
    certificate: Path  # PEM, leaf first, then the chain
    private_key: Path


@dataclass
class LdapListeners:
    """The running listeners: their bound ports (by name) and how to stop them."""

    ports: dict[str, int] = field(default_factory=dict)
    _listening: list[Any] = field(default_factory=list)

    async def stop(self) -> None:
        loop = asyncio.get_running_loop()
        for port in self._listening:
            await port.stopListening().asFuture(loop)  # DESIGN.md §4: await a Deferred through a Future
        self._listening.clear()


def asyncio_reactor() -> Any:
    """The Twisted reactor, which must run on the current asyncio loop."""
    from twisted.internet import asyncioreactor

    if "twisted.internet.reactor" not in sys.modules:
        asyncioreactor.install(asyncio.get_running_loop())  # type: ignore[no-untyped-call]
    from twisted.internet import reactor

    if not isinstance(reactor, asyncioreactor.AsyncioSelectorReactor):
        raise RuntimeError("the LDAP address book needs Twisted's asyncio reactor (install it before anything else)")
    return reactor


def tls_options(files: TlsFiles) -> Any:
    from twisted.internet import ssl

    chain = files.certificate.read_bytes()
    key = files.private_key.read_bytes()
    pems = [b"-----BEGIN CERTIFICATE-----" + part for part in chain.split(b"-----BEGIN CERTIFICATE-----")[1:]]
    leaf = ssl.PrivateCertificate.loadPEM(pems[0] + b"\n" + key)  # type: ignore[no-untyped-call]
    extra = [ssl.Certificate.loadPEM(p).original for p in pems[1:]]
    return ssl.CertificateOptions(
        privateKey=leaf.privateKey.original,
        certificate=leaf.original,
        extraCertChain=extra,
        raiseMinimumTo=ssl.TLSVersion.TLSv1_2,
        acceptableCiphers=ssl.AcceptableCiphers.fromOpenSSLCipherString(CLIENT_CIPHERS),  # type: ignore[no-untyped-call]
    )


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def start_ldap_server(
    engine: AsyncEngine,
    *,
    base_dn: str,
    tls: TlsFiles,
    verify_credentials: VerifyCredentials,
    ldaps: str = "",
    ldap: str = "",
    anonymous_bind: bool = False,
    size_limit: int = 200,
    time_limit: float = 10.0,
    clock: Callable[[], datetime] = _utc_now,
) -> LdapListeners:
    """Listen on `ldaps` (implicit TLS) and/or `ldap` (StartTLS) — "host:port", port 0 for any — and serve
    the address book. Call from a coroutine on the loop the rest of the server runs on."""
    reactor = asyncio_reactor()
    options = tls_options(tls)
    listeners = LdapListeners()
    book = AddressBook(
        engine=engine,
        base_dn=base_dn,
        verify_credentials=verify_credentials,
        clock=clock,
        anonymous_bind=anonymous_bind,
        size_limit=size_limit,
        time_limit=time_limit,
    )
    if ldaps:
        host, port = _host_port(ldaps)
        listening = reactor.listenSSL(port, _Factory(book, implicit_tls=True), options, interface=host)
        listeners._listening.append(listening)
        listeners.ports["ldaps"] = listening.getHost().port
    if ldap:
        host, port = _host_port(ldap)
        starttls_book = dataclasses.replace(book, starttls=options)
        listening = reactor.listenTCP(port, _Factory(starttls_book, implicit_tls=False), interface=host)
        listeners._listening.append(listening)
        listeners.ports["ldap"] = listening.getHost().port
    return listeners


class _Factory(ServerFactory):
    def __init__(self, book: AddressBook, *, implicit_tls: bool) -> None:
        self.book = book
        self.implicit_tls = implicit_tls

    def buildProtocol(self, addr: Any) -> AddressBookProtocol:
        proto = AddressBookProtocol(self.book, implicit_tls=self.implicit_tls)
        proto.factory = self
        return proto
