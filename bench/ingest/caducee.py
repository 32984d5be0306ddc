"""The Caducée side of the ingest benchmark: an instance made with the real CLI, served in a subprocess.

Owns the bench instance: `caducee init` in a temporary folder, free loopback ports, the store on SQLite (default)
or on a fresh PostgreSQL database, ten local PER mailboxes, and the door the load comes in by: the MX (STARTTLS
with a client certificate issued by the instance's PKI for a sender domain listed in an imported whitelist, CRLs
configured) or submission (STARTTLS and AUTH PLAIN). `committed()` counts messages in the store, which is what
the benchmark calls delivered. Never touches a database or folder it did not create.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

from mailserver import config, runtime
from mailserver.crypto.names import subject_dn_string
from mailserver.crypto.pem_files import read_certificates

DOMAIN = "bench.test"
SENDER_DOMAIN = "emetteur.test"
PASSWORD = "bench password 2026"
MAILBOXES = [f"dr.{n}@{DOMAIN}" for n in range(10)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str | Path, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mailserver", *map(str, args)], input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"caducee {' '.join(map(str, args))}: {done.stderr.strip()}")
    return done.stdout


async def _pg(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


class BenchInstance:
    def __init__(self, root: Path, backend: str, postgres_url: str, door: str) -> None:
        self.dir = root / f"caducee-{backend}"
        self.cfg = self.dir / "caducee.toml"
        self.backend = backend
        self.postgres_url = postgres_url
        self.door = door
        self.database = f"caducee_bench_{uuid.uuid4().hex[:8]}" if backend == "postgres" else ""
        self.ports = {
            key: free_port()
            for key in ("smtp.mx", "smtp.submission", "smtp.submissions", "imap.imap", "imap.imaps", "web.https")
        }
        self.proc: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------ set-up
    def create(self) -> None:
        cli("init", self.dir, "--domain", DOMAIN, "--organisation", "Operateur Bench", "--structure-id", "1000000009")
        for key, port in self.ports.items():
            config.set_value(self.cfg, key, f"127.0.0.1:{port}")
        config.set_value(self.cfg, "log.level", "WARNING")
        config.set_value(self.cfg, "trust.anchors", '["pki/root-ca.pem", "pki/org-ca.pem"]')
        config.set_value(self.cfg, "trust.crls", '["pki/org-ca.crl.pem", "pki/root-ca.crl.pem"]')
        if self.backend == "postgres":
            base = self.postgres_url.rpartition("/")[0]
            asyncio.run(_pg(self.postgres_url, f'CREATE DATABASE "{self.database}"'))
            config.set_value(self.cfg, "store.url", f"{base}/{self.database}")
            cli("migrate", "-c", self.cfg)
            asyncio.run(self._domains())
        for address in MAILBOXES:
            cli(
                "mailbox",
                "add",
                address,
                "--type",
                "PER",
                "--rpps",
                "10001234567",
                "--password-stdin",
                "-c",
                self.cfg,
                stdin=PASSWORD,
            )
        if self.door == "mx":
            issued = self.dir / "pki" / "client.pem"
            cli("pki", "issue", "server", "--hostname", f"mx.{SENDER_DOMAIN}", "--name", "client", "-c", self.cfg)
            dn = subject_dn_string(read_certificates(issued)[0])
            listing = self.dir / "whitelist.xml"
            listing.write_text(
                '<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/'
                'schema"><DateDeGeneration>2026-11-26T08:00:00Z</DateDeGeneration><ListeDomaines><Domaine>'
                f"<Nom>{SENDER_DOMAIN}</Nom><Description>bench</Description><DNCertificatOperateur>{dn}"
                "</DNCertificatOperateur><ResponsableContact>-</ResponsableContact><SupportContact>-</SupportContact>"
                "<DateMAJ>2026-11-26T08:00:00Z</DateMAJ></Domaine></ListeDomaines></ListeBlancheMSSante>"
            )
            cli("trust", "import", listing, "-c", self.cfg)

    async def _domains(self) -> None:
        settings = config.load(self.cfg)
        async with runtime.opened_store(settings) as store:
            await store.accounts.ensure_domain(settings.instance.domain, "professional")
            await store.accounts.ensure_domain(settings.instance.patient_domain, "patient")

    def client_tls(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.dir / "pki" / "root-ca.pem"))
        ctx.check_hostname = False
        if self.door == "mx":
            ctx.load_cert_chain(self.dir / "pki" / "client.pem", self.dir / "pki" / "client.key")
        return ctx

    @property
    def port(self) -> int:
        return self.ports["smtp.mx" if self.door == "mx" else "smtp.submission"]

    @property
    def mail_from(self) -> str:
        return f"secretariat@{SENDER_DOMAIN}" if self.door == "mx" else MAILBOXES[0]

    # ------------------------------------------------------------------ running
    def start(self, workers: int = 1) -> None:
        log = (self.dir / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailserver", "serve", "-c", str(self.cfg), "--workers", str(workers)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"caducee serve exited: {(self.dir / 'serve.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("caducee serve did not listen in time")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)
            self.proc = None

    def committed(self) -> int:
        """Messages in the bench mailboxes, as the store holds them after their commits."""
        settings = config.load(self.cfg)

        async def count() -> int:
            async with runtime.opened_store(settings) as store:
                total = 0
                for address in MAILBOXES:
                    box = await store.accounts.get_mailbox(address)
                    assert box is not None
                    inbox = next(f for f in await store.mail.folders_of(box.id) if f.name == "INBOX")
                    total += len(await store.mail.folder_uids(inbox.id))
                return total

        return asyncio.run(count())

    def drop(self) -> None:
        if self.database:
            asyncio.run(_pg(self.postgres_url, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))

    def server_pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def connection_split(self) -> list[int]:
        """Established connections on the load's port held by each worker process, most first ([] if `ss` is
        missing). `serve --workers N` shares the port through SO_REUSEPORT: the kernel hashes each connection to
        a worker, so ten sessions may land 5/5 or 10/0, which moves the 4 KB figures."""
        try:
            out = subprocess.run(
                ["ss", "-tnpH", "state", "established", f"( sport = :{self.port} )"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
        except OSError:
            return []
        per_pid: dict[str, int] = {}
        for pid in re.findall(r"pid=(\d+)", out):
            per_pid[pid] = per_pid.get(pid, 0) + 1
        return sorted(per_pid.values(), reverse=True)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), Linux {os.uname().release}, Python {sys.version.split()[0]}"
