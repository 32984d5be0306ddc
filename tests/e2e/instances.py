"""Real Caducée instances for end-to-end tests: `caducee init` folders on free loopback ports, each served by
`python -m mailserver serve -c ...` in a subprocess that tests stop, kill and start again.

Owns the instance life cycle of the e2e tests and a national-format whitelist writer, so two operators can trust
each other (`caducee trust import`). Every command runs the real CLI; nothing is mocked.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from mailserver import config
from mailserver.crypto.names import subject_dn_string
from mailserver.crypto.pem_files import read_certificates

LISTENERS = ("smtp.mx", "smtp.submission", "smtp.submissions", "imap.imap", "imap.imaps", "web.https")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def caducee(*args: str | Path, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The real command line, as an operator runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "mailserver", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"caducee {' '.join(map(str, args))} -> {result.returncode}\n{result.stderr}")
    return result


@dataclass
class Instance:
    directory: Path
    domain: str
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def config(self) -> Path:
        return self.directory / "caducee.toml"

    @property
    def mx(self) -> int:
        return self.ports["smtp.mx"]

    @property
    def submission(self) -> int:
        return self.ports["smtp.submission"]

    def cli(self, *args: str | Path, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        return caducee(*args, "-c", self.config, stdin=stdin, check=check)

    def set(self, key: str, value: str) -> None:
        config.set_value(self.config, key, value)

    def server_dn(self) -> str:
        return subject_dn_string(read_certificates(self.directory / "pki" / "server.pem")[0])

    @property
    def root_ca(self) -> Path:
        return self.directory / "pki" / "root-ca.pem"

    def start(self) -> None:
        log = (self.directory / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailserver", "serve", "-c", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        for key in ("smtp.mx", "smtp.submission"):
            wait_port(self.ports[key], proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (the durability test's crash)."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def log(self) -> str:
        path = self.directory / "serve.log"
        return path.read_text(errors="replace") if path.exists() else ""


def create_instance(parent: Path, domain: str, *, organisation: str, structure_id: str) -> Instance:
    """`caducee init` for `domain` with every listener on a free loopback port."""
    directory = parent / domain
    caducee("init", directory, "--domain", domain, "--organisation", organisation, "--structure-id", structure_id)
    inst = Instance(directory, domain)
    for key in LISTENERS:
        inst.ports[key] = free_port()
        inst.set(key, f"127.0.0.1:{inst.ports[key]}")
    inst.set("log.format", "json")
    return inst


def mx_sender(inst: Instance, domain: str) -> ssl.SSLContext:
    """Let a test act as another operator sending for `domain` to `inst`'s MX: a client certificate from the
    instance's PKI, listed for `domain` in an imported whitelist, with the PKI's CRLs configured. Returns the
    client TLS context (our certificate, the instance's root as the only anchor)."""
    inst.cli("pki", "issue", "server", "--hostname", f"mx.{domain}", "--name", "sender")
    pki = inst.directory / "pki"
    dn = subject_dn_string(read_certificates(pki / "sender.pem")[0])
    listing = inst.directory / "whitelist.xml"
    listing.write_text(whitelist_xml([(domain, dn)]))
    inst.cli("trust", "import", listing)
    inst.set("trust.anchors", '["pki/root-ca.pem", "pki/org-ca.pem"]')
    inst.set("trust.crls", '["pki/org-ca.crl.pem", "pki/root-ca.crl.pem"]')
    ctx = ssl.create_default_context(cafile=str(pki / "root-ca.pem"))
    ctx.check_hostname = False
    ctx.load_cert_chain(pki / "sender.pem", pki / "sender.key")
    return ctx


def whitelist_xml(entries: list[tuple[str, str]], generated: str = "2026-11-26T08:00:00Z") -> str:
    """A whitelist in the national format (DOMAIN.md §1): one Domaine per (domain, DN) pair."""
    items = "".join(
        f"<Domaine><Nom>{escape(domain)}</Nom><Description>e2e</Description>"
        f"<DNCertificatOperateur>{escape(dn)}</DNCertificatOperateur>"
        f"<ResponsableContact>e2e</ResponsableContact><SupportContact>e2e</SupportContact>"
        f"<DateMAJ>{generated}</DateMAJ></Domaine>"
        for domain, dn in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">'
        f"<DateDeGeneration>{generated}</DateDeGeneration><ListeDomaines>{items}</ListeDomaines></ListeBlancheMSSante>"
    )
