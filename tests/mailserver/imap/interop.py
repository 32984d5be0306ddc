"""What the real-client interoperability tests share: a TLS server named `localhost`, messages that a careless
server would alter, fast mailbox filling, and running Debian clients as subprocesses.

Owns the `localhost_server` fixture (our IMAP listeners on 127.0.0.1:0 with a certificate for `localhost` issued
by a copy of the dev PKI, so that clients which check the host name against the certificate, as mbsync,
offlineimap and fetchmail do, trust it with the dev PKI root as their only anchor; import it into a test module to
use it), `awkward_messages`, `deliver_many` (real summaries, delivered concurrently through `store.mail.deliver`,
so that group commit keeps a 1,000-message mailbox fast), `deliver_raw`, `run_tool` and `run_in_terminal` (a
client command with a deadline, its output kept for the assertion message), `server_state` and the imaplib
helpers `in_thread`, `ok` and `joined`. Never edits the shared fixtures of `conftest.py`, and never touches the
system's mail configuration: every client gets its config file and its Maildir in `tmp_path`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import imaplib
import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from mailserver.imap import listeners as imap_listeners
from mailserver.store import Store
from tests.conftest import SHARED
from tests.mailserver.auth.issuer import Issuer
from tests.mailserver.imap.conftest import (
    PASSWORD,
    T0,
    USER,
    ImapServer,
    message_bytes,
    new_message,
    no_sleep,
    populate,
)
from tests.pki_fixtures import PKIFixture
from tests.servers import client_tls, smtp_settings

# Maildir flag letters (https://cr.yp.to/proto/maildir.html) and the IMAP flags mbsync maps them to.
MAILDIR_FLAGS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}
T = TypeVar("T")
HOST = "localhost"  # resolves to 127.0.0.1 here; the name the clients check in the certificate
TOOL_TIMEOUT = 120.0  # seconds a client subprocess may run before the test fails


def require(tool: str) -> str:
    """The path of `tool`, or skip the test with the tool's name (CI installs it: deploy/dev/install-test-tools.sh)."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (deploy/dev/install-test-tools.sh installs it)")
    return path


@pytest.fixture
async def localhost_server(
    store: Store, scratch_pki: PKIFixture, issuer: Issuer, tmp_path: Path
) -> AsyncIterator[ImapServer]:
    """The `imap_server` of conftest, served with a certificate for `localhost` (from a copy of the dev PKI)."""
    await populate(store)
    pki = dataclasses.replace(scratch_pki, server=scratch_pki.pki.issue_server(HOST, name="localhost"), hostname=HOST)
    settings = smtp_settings(tmp_path, pki, auth=issuer.settings())
    settings = dataclasses.replace(
        settings, imap=dataclasses.replace(settings.imap, imap="127.0.0.1:0", imaps="127.0.0.1:0")
    )
    listeners = await imap_listeners.build(settings, store, auth_base_delay=0.0, auth_sleep=no_sleep)
    try:
        yield ImapServer(
            host=HOST,
            port=listeners.ports["imaps"],
            starttls_port=listeners.ports["imap"],
            ssl_context=client_tls(pki),
            user=USER,
            password=PASSWORD,
            store=store,
            listeners=listeners,
            pki=pki,
            issuer=issuer,
        )
    finally:
        await listeners.close()


async def deliver_many(store: Store, address: str, numbers: Sequence[int], folder: str = "INBOX") -> list[int]:
    """Deliver `message_bytes(n)` for each n through `store.mail.deliver`, all at once (one group commit for
    many); UIDs follow the order of `numbers`. Returns the UIDs."""
    box = await store.accounts.get_mailbox(address)
    assert box is not None
    messages = [new_message(message_bytes(n), T0 + timedelta(minutes=n)) for n in numbers]
    delivered = await asyncio.gather(*(store.mail.deliver(m, [box.id], folder=folder) for m in messages))
    return [d.uid for (d,) in delivered]


@dataclasses.dataclass(frozen=True)
class ToolRun:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"$ {' '.join(self.command)}\n[exit {self.returncode}]\n{self.stdout}\n{self.stderr}"


async def run_tool(
    command: Sequence[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> ToolRun:
    """Run a client command in a thread (the server keeps serving on this loop) and return what it did."""
    args = [str(a) for a in command]

    def run() -> ToolRun:
        done = subprocess.run(args, capture_output=True, text=True, timeout=TOOL_TIMEOUT, cwd=cwd, env=env, check=False)
        return ToolRun(args, done.returncode, done.stdout, done.stderr)

    return await asyncio.to_thread(run)


def run_in_terminal(command: Sequence[str | Path], *, timeout: float = TOOL_TIMEOUT) -> ToolRun:
    """Run `command` with a pseudo-terminal as its stdout and stderr (mbsync prints its progress counters only
    to a terminal); blocking, so call it through `asyncio.to_thread`. The output has `\\r` turned into `\\n`."""
    args = [str(a) for a in command]
    master, slave = os.openpty()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                proc.kill()
                raise TimeoutError(f"{args[0]} ran for more than {timeout} s:\n{out.decode(errors='replace')}")
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every holder of the terminal closed it
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
        returncode = proc.wait(timeout=10)
    return ToolRun(args, returncode, out.decode(errors="replace").replace("\r\n", "\n").replace("\r", "\n"), "")


REAL = SHARED / "data" / "real"


def crlf(text: str | bytes) -> bytes:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def awkward_messages() -> list[bytes]:
    """Messages whose bytes a careless server changes: header names in odd case, folded and tab-folded fields,
    raw UTF-8 in headers (RFC 6532), an encoded word, a long line, trailing spaces, a multipart with a real CDA
    document and a real XDM archive as attachments (tests/../shared/data/real), and a message without a body."""
    cda = (REAL / "cda" / "VAC-NOTE_2023.01.xml").read_bytes()
    xdm = (REAL / "xdm" / "directproject-xd-xdm.zip").read_bytes()
    wrapped = b"\r\n".join(base64.encodebytes(xdm).splitlines())
    multipart = (
        crlf(
            "From: =?utf-8?q?Dr_Ana=C3=AFs_L=C3=A9vy?= <anais.levy@chu.example.test>\n"
            "To: dr.bernard@example.test\n"
            "Subject: Note de vaccination\n"
            "Message-ID: <cda-vac@chu.example.test>\n"
            "Date: Tue, 14 Jan 2025 08:00:00 +0100\n"
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="=_limite_42"\n'
            "\n"
            "Ce message est au format MIME.\n"
            "--=_limite_42\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n"
            "\n"
            "Veuillez trouver la note de vaccination et le lot XDM.\n"
            "--=_limite_42\n"
            'Content-Type: text/xml; charset=utf-8; name="VAC-NOTE_2023.01.xml"\n'
            "Content-Transfer-Encoding: 8bit\n"
            'Content-Disposition: attachment; filename="VAC-NOTE_2023.01.xml"\n'
            "\n"
        )
        + crlf(cda).rstrip(b"\r\n")
        + crlf(
            "\n--=_limite_42\n"
            'Content-Type: application/zip; name="IHE_XDM.ZIP"\n'
            "Content-Transfer-Encoding: base64\n"
            'Content-Disposition: attachment; filename="IHE_XDM.ZIP"\n'
            "\n"
        )
        + wrapped
        + crlf("\n--=_limite_42--\n")
    )
    return [
        crlf(
            "From: Dr Claire Martin <claire.martin@hopital.example.test>\n"
            "to: dr.bernard@example.test\n"
            "SUBJECT: Compte rendu\n  sur deux lignes\n"
            "X-MiXeD-CaSe: valeur   \n"
            "x-lower-case:\tavec tabulation\n\tet suite\n"
            "Message-Id: <casse@hopital.example.test>\n"
            "Date: Mon, 13 Jan 2025 09:30:00 +0100\n"
            "\n"
            "Corps avec espaces finales   \n"
        ),
        crlf(
            "From: Secrétariat Médical <secrétariat@hôpital.example.test>\n"
            "To: dr.bernard@example.test\n"
            "Subject: Résultats d'analyse — échographie ✓\n"
            "Message-ID: <utf8@hopital.example.test>\n"
            "Date: Mon, 13 Jan 2025 10:00:00 +0100\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n"
            "\n"
            "Le patient présente une évolution favorable.\n"
        ),
        crlf(
            "From: Laboratoire <labo@example.test>\n"
            "To: dr.bernard@example.test\n"
            "Subject: =?iso-8859-1?q?R=E9sultat_long?=\n"
            "Message-ID: <long@labo.example.test>\n"
            "Date: Mon, 13 Jan 2025 11:00:00 +0100\n"
            "\n" + "x" * 990 + "\n\n\nfin\n"
        ),
        multipart,
        crlf(
            "From: Sans corps <vide@example.test>\nTo: dr.bernard@example.test\nSubject: vide\n"
            "Message-ID: <vide@example.test>\nDate: Mon, 13 Jan 2025 12:00:00 +0100\n\n"
        ),
    ]


async def deliver_raw(store: Store, address: str, raws: Sequence[bytes], *, flags: Sequence[str] = ()) -> list[int]:
    """Deliver each raw message (real summaries) one after the other, with `flags[i]` if given; the UIDs."""
    box = await store.accounts.get_mailbox(address)
    assert box is not None
    uids = []
    for i, raw in enumerate(raws):
        message = new_message(raw, T0 + timedelta(minutes=i))
        (delivered,) = await store.mail.deliver(message, [box.id], flags=flags[i] if i < len(flags) else "")
        uids.append(delivered.uid)
    return uids


def maildir_flags(path: Path) -> set[str]:
    _, _, letters = path.name.partition(":2,")
    return {MAILDIR_FLAGS[letter] for letter in letters if letter in MAILDIR_FLAGS}


def server_state(server: ImapServer) -> tuple[dict[int, set[str]], int]:
    """UID -> flags of INBOX and its HIGHESTMODSEQ, read with imaplib (blocking: run in a thread)."""
    client = imaplib.IMAP4_SSL("127.0.0.1", server.port, ssl_context=server.ssl_context, timeout=30)
    try:
        client.login(server.user, server.password)
        status, data = client.status("INBOX", "(HIGHESTMODSEQ)")
        assert status == "OK", data
        modseq = re.search(rb"HIGHESTMODSEQ (\d+)", data[0])
        assert modseq is not None, data
        client.select("INBOX", readonly=True)
        status, lines = client.uid("FETCH", "1:*", "(FLAGS)")
        assert status == "OK", lines
    finally:
        client.logout()
    flags: dict[int, set[str]] = {}
    for line in lines:
        found = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)|FLAGS \(([^)]*)\) UID (\d+)", line)
        assert found is not None, line
        uid, text = (found.group(1), found.group(2)) if found.group(1) else (found.group(4), found.group(3))
        flags[int(uid)] = set(text.decode().split())
    return flags, int(modseq.group(1))


def ok(result: tuple[str, list[Any]]) -> list[Any]:
    """The data of an imaplib answer that must be OK."""
    status, data = result
    assert status == "OK", (status, data)
    return data


def joined(data: list[Any]) -> bytes:
    """imaplib's FETCH data (byte strings and (bytes, literal) pairs) as one byte string."""
    return b"".join(part for item in data for part in (item if isinstance(item, tuple) else (item,)))


async def in_thread(server: ImapServer, scenario: Callable[[imaplib.IMAP4], T]) -> T:
    """Run a blocking imaplib `scenario`, logged in over implicit TLS, in a thread while the server serves."""

    def run() -> T:
        client = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=server.ssl_context, timeout=30)
        try:
            client.login(server.user, server.password)
            return scenario(client)
        finally:
            with contextlib.suppress(imaplib.IMAP4.abort, OSError):
                client.logout()

    return await asyncio.to_thread(run)
