"""IMAP test fixtures: a populated store, sessions fed with bytes (no socket), and a real server on 127.0.0.1:0.

Mailboxes: dr.bernard@example.test (PER, password, national id 810009876543), dr.martin@example.test (PER,
password), cardiologie@example.test (ORG, delegated to both with every right), archives@example.test (ORG,
delegated to dr.bernard with "lr" only: read-only) and dpi@ch-exemple.fr (APP, named by the dev PKI's
organisation certificate, for EXTERNAL).

- `services`: the `ImapServices` of one process over the test store (its change feed started), for `Talk`.
- `Talk(services)`: a session over an in-memory channel; `await talk.send(b"a1 NOOP\\r\\n")` returns the bytes the
  server wrote in answer. `await talk.login()` logs in as dr.bernard.
- `imap_server`: real listeners (STARTTLS and implicit TLS) on 127.0.0.1:0 with the dev PKI; gives the host, the
  ports, a client `ssl_context` trusting the dev PKI root, the credentials and the store. Reusable by interop tests
  (mbsync, offlineimap) and benchmarks: `imaplib.IMAP4_SSL(s.host, s.port, ssl_context=s.ssl_context)`.
- `RawImap.connect(server)`: a bare TLS client for byte-level assertions over a socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import ssl
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from mailserver.auth.authenticator import Authenticator
from mailserver.auth.limiter import FailureLimiter
from mailserver.auth.oidc import TokenValidator
from mailserver.auth.peer import CertificateVerifier
from mailserver.crypto.tls import server_context
from mailserver.imap import listeners as imap_listeners
from mailserver.imap.access_log import AccessLog
from mailserver.imap.listeners import ImapListeners
from mailserver.imap.services import ImapServices, SessionLimits
from mailserver.imap.session import Session
from mailserver.message import summarise
from mailserver.store import Store, utcnow
from mailserver.store.authlimits import AuthLimits
from mailserver.store.imap_session_support import record_accesses
from mailserver.store.imapview import ImapView
from mailserver.store.mail import NewMessage
from mailserver.store.records import AuditEntry
from tests.mailserver.auth.issuer import CLAIM, Issuer, make_issuer
from tests.pki_fixtures import PKIFixture, dev_pki, foreign_pki, scratch_pki, scratch_pki_template
from tests.servers import client_tls, smtp_settings

__all__ = ["dev_pki", "foreign_pki", "scratch_pki", "scratch_pki_template"]

# Protocol tests fed as bytes exercise the IMAP layer, which is the same on both backends: they run on SQLite only.
# These modules also run on PostgreSQL (when CADUCEE_TEST_POSTGRES_URL is set): real clients and servers, and what
# depends on the change feed (LISTEN/NOTIFY there, polling on SQLite) and on concurrent readers and writers.
BOTH_BACKENDS = (
    "test_client_",
    "test_server_",
    "test_cmd_idle",
    "test_session_shared",
    "test_cmd_expunge",
    "test_access_log",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    dropped = [
        item
        for item in items
        if item.path.parent == here
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("db_url") == "postgres"  # type: ignore[attr-defined]
        and not item.path.name.startswith(BOTH_BACKENDS)
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


PASSWORD = "correct horse battery staple"
USER = "dr.bernard@example.test"
USER_NATIONAL_ID = "810009876543"
OTHER = "dr.martin@example.test"
SHARED = "cardiologie@example.test"
READ_ONLY_SHARED = "archives@example.test"
APPLICATION = "dpi@ch-exemple.fr"
T0 = datetime(2025, 1, 13, 9, 30, tzinfo=UTC)
RAW_TIMEOUT = 20.0  # seconds a raw client waits for a tagged completion before failing the test


async def no_sleep(_seconds: float) -> None:
    return None


async def populate(store: Store) -> None:
    accounts = store.accounts
    await accounts.create_mailbox(USER, "PER", display_name="Claire Bernard", national_id=USER_NATIONAL_ID)
    await accounts.set_password(USER, PASSWORD)
    await accounts.create_mailbox(OTHER, "PER", display_name="Jean Martin", national_id="810001234567")
    await accounts.set_password(OTHER, PASSWORD)
    await accounts.create_mailbox(SHARED, "ORG", display_name="Cardiologie")
    await accounts.delegate(USER, SHARED)
    await accounts.delegate(OTHER, SHARED)
    await accounts.create_mailbox(READ_ONLY_SHARED, "ORG", display_name="Archives")
    await accounts.delegate(USER, READ_ONLY_SHARED, "lr")
    # The dev PKI's organisation certificate names dpi@ch-exemple.fr: the APP mailbox EXTERNAL opens.
    await accounts.ensure_domain("ch-exemple.fr", "professional")
    await accounts.create_mailbox(APPLICATION, "APP", display_name="DPI")


def message_bytes(
    n: int,
    *,
    subject: str | None = None,
    sender: str = "Dr Claire Martin <claire.martin@hopital.example.test>",
    body: str | None = None,
    extra: str = "",
    message_id: str | None = None,
) -> bytes:
    lines = [
        f"From: {sender}",
        "To: Secrétariat <secretariat@cabinet.example.test>",
        f"Subject: {subject if subject is not None else f'Compte rendu {n}'}",
        "Date: Mon, 13 Jan 2025 09:30:00 +0100",
        f"Message-ID: {message_id or f'<m{n}@hopital.example.test>'}",
    ]
    if extra:
        lines.extend(extra.strip("\n").split("\n"))
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", ""]
    lines.append(body if body is not None else f"Bonjour,\nle patient numéro {n} est sorti ce matin.\n")
    return "\r\n".join(lines).replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def new_message(raw: bytes, internal_date: datetime = T0) -> NewMessage:
    summary = summarise(raw)
    return NewMessage.of(raw, summary, internal_date)


async def deliver(store: Store, address: str, raw: bytes, folder: str = "INBOX", *, when: datetime = T0) -> int:
    """Deliver `raw` to `address` through the store's delivery path; its UID."""
    box = await store.accounts.get_mailbox(address)
    assert box is not None
    (delivered,) = await store.mail.deliver(new_message(raw, when), [box.id], folder=folder)
    return delivered.uid


async def fill(store: Store, address: str, count: int, folder: str = "INBOX", *, start: int = 1) -> list[int]:
    """Deliver messages `start`..`start+count-1` one after the other, so that UIDs follow the numbers."""
    return [
        await deliver(store, address, message_bytes(n), folder, when=T0 + timedelta(minutes=n))
        for n in range(start, start + count)
    ]


# ---------------------------------------------------------------- socket-free sessions


class MemoryChannel:
    """A `Channel` that keeps what the server sends; TLS is a flag (STARTTLS flips it)."""

    def __init__(self, *, tls: bool = True, certificates: Sequence[x509.Certificate] = ()) -> None:
        self.sent = bytearray()
        self._tls = tls
        self.certificates = list(certificates)
        self.closed = False
        self._sent = asyncio.Event()

    @property
    def peer_ip(self) -> str | None:
        return "192.0.2.10"

    @property
    def tls_active(self) -> bool:
        return self._tls

    def peer_certificates(self) -> list[x509.Certificate]:
        return list(self.certificates) if self._tls else []

    def send(self, data: bytes) -> None:
        self.sent += data
        self._sent.set()

    async def wait_for(self, wanted: bytes) -> None:
        """Return once what the server sent contains `wanted` (wrap in `asyncio.timeout`)."""
        while wanted not in self.sent:
            self._sent.clear()
            await self._sent.wait()

    async def drain(self) -> None:
        return None

    async def start_tls(self) -> None:
        self._tls = True

    def close(self) -> None:
        self.closed = True


class Talk:
    """One session fed with bytes. `send` returns what the server wrote while handling them."""

    def __init__(
        self,
        services: ImapServices,
        *,
        tls: bool = True,
        starttls: bool = False,
        certificates: Sequence[x509.Certificate] = (),
    ) -> None:
        self.channel = MemoryChannel(tls=tls, certificates=certificates)
        self.session = Session(services, self.channel, starttls=starttls)
        self.greeting = b""

    async def open(self) -> Talk:
        await self.session.start()
        self.greeting = self.take()
        return self

    def take(self) -> bytes:
        data = bytes(self.channel.sent)
        self.channel.sent.clear()
        return data

    async def send(self, data: bytes | str) -> bytes:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        await self.session.receive(raw)
        return self.take()

    async def cmd(self, line: str | bytes) -> bytes:
        """One command line (CRLF added); the answer must end with its tagged completion."""
        raw = line.encode("utf-8") if isinstance(line, str) else line
        answer = await self.send(raw + b"\r\n")
        tag = raw.split(b" ", 1)[0]
        assert re.search(rb"(^|\r\n)" + re.escape(tag) + rb" (OK|NO|BAD)", answer), answer
        return answer

    async def login(self, user: str = USER, password: str = PASSWORD) -> bytes:
        answer = await self.cmd(f'l0 LOGIN "{user}" "{password}"')
        assert b"l0 OK" in answer, answer
        return answer

    async def traced(self, store: Store, target: str, limit: int = 100) -> list[AuditEntry]:
        """The audit entries about `target`, newest first, once the access log has written what it holds."""
        await self.session.services.access_log.flush()
        return await store.audit.entries(target=target, limit=limit)

    async def close(self) -> None:
        await self.session.close()


def tagged(answer: bytes, tag: str) -> bytes:
    """The tagged completion line of `tag` in `answer`."""
    found = re.search(rb"(?:^|\r\n)(" + re.escape(tag.encode()) + rb" [^\r\n]*)", answer)
    assert found is not None, answer
    return found.group(1)


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Issuer:
    return make_issuer(tmp_path_factory.mktemp("imap-oidc"))


def build_services(store: Store, view: ImapView, issuer: Issuer, pki: PKIFixture, **limits: object) -> ImapServices:
    limiter = FailureLimiter(
        AuthLimits(store.engine, utcnow), max_failures=5, lockout=timedelta(minutes=15), base_delay=0, sleep=no_sleep
    )
    tokens = TokenValidator(
        issuer=issuer.issuer,
        audience=issuer.audience,
        jwks_source=str(issuer.jwks_path),
        national_id_claim=CLAIM,
        clock=utcnow,
    )
    certificates = CertificateVerifier.from_files(
        [pki.root_ca, pki.org_ca], [str(pki.org_crl), str(pki.root_crl)], clock=utcnow
    )
    authenticator = Authenticator(store.accounts, limiter, store.audit, tokens=tokens, certificates=certificates)
    return ImapServices(
        view=view,
        authenticator=authenticator,
        access_log=AccessLog(lambda records: record_accesses(store, records)),
        limits=SessionLimits(**limits),  # type: ignore[arg-type]
        tls_context=server_context(pki.server.cert_path, pki.server.key_path),
    )


@pytest.fixture
async def services(store: Store, issuer: Issuer, dev_pki: PKIFixture) -> AsyncIterator[ImapServices]:
    await populate(store)
    view = ImapView(store)
    await view.start()
    services = build_services(store, view, issuer, dev_pki)
    yield services
    await services.access_log.close()  # queued traces are written before the store goes
    await view.close()


@pytest.fixture
async def talk(services: ImapServices) -> AsyncIterator[Talk]:
    session = await Talk(services).open()
    yield session
    await session.close()


# ---------------------------------------------------------------- a real server


@dataclass
class ImapServer:
    """A running IMAP server: `port` is implicit TLS (imaps), `starttls_port` the plain listener."""

    host: str
    port: int
    starttls_port: int
    ssl_context: ssl.SSLContext
    user: str
    password: str
    store: Store
    listeners: ImapListeners
    pki: PKIFixture
    issuer: Issuer

    @property
    def services(self) -> ImapServices:
        return self.listeners.services


class RawImap:
    """A bare IMAP client over TLS for byte-level assertions: `await raw.command("a1 NOOP")` returns every line
    up to and including the tagged completion."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.greeting = b""

    @classmethod
    async def connect(cls, server: ImapServer, *, login: bool = True, user: str = USER) -> RawImap:
        reader, writer = await asyncio.open_connection(server.host, server.port, ssl=server.ssl_context)
        raw = cls(reader, writer)
        raw.greeting = await reader.readline()
        if login:
            answer = await raw.command(f'l0 LOGIN "{user}" "{server.password}"')
            assert b"l0 OK" in answer, answer
        return raw

    async def command(self, line: str | bytes) -> bytes:
        data = line.encode() if isinstance(line, str) else line
        tag = data.split(b" ", 1)[0] + b" "
        self.writer.write(data + b"\r\n")
        await self.writer.drain()
        out = bytearray()
        async with asyncio.timeout(RAW_TIMEOUT):
            while True:
                got = await self.reader.readline()
                if not got:
                    raise ConnectionError(bytes(out))
                out += got
                if got.startswith(tag):
                    return bytes(out)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await self.writer.wait_closed()


@pytest.fixture
async def imap_server(store: Store, dev_pki: PKIFixture, issuer: Issuer, tmp_path: Path) -> AsyncIterator[ImapServer]:
    await populate(store)
    settings = smtp_settings(tmp_path, dev_pki, auth=issuer.settings())
    settings = dataclasses.replace(
        settings, imap=dataclasses.replace(settings.imap, imap="127.0.0.1:0", imaps="127.0.0.1:0")
    )
    listeners = await imap_listeners.build(settings, store, auth_base_delay=0.0, auth_sleep=no_sleep)
    try:
        yield ImapServer(
            host="127.0.0.1",
            port=listeners.ports["imaps"],
            starttls_port=listeners.ports["imap"],
            ssl_context=client_tls(dev_pki),
            user=USER,
            password=PASSWORD,
            store=store,
            listeners=listeners,
            pki=dev_pki,
            issuer=issuer,
        )
    finally:
        await listeners.close()
