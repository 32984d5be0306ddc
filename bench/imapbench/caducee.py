"""The Caducée side of the IMAP benchmark: an instance made with the real CLI, filled by direct delivery through
the store, and served by `caducee serve` in a subprocess.

Owns the bench instance: `caducee init` in a temporary folder, free loopback ports for every listener, one PER
mailbox (`corpus.ADDRESS`, password `PASSWORD`), and `fill(start, stop)`, which delivers corpus messages through
`store.mail.deliver` (the delivery path itself: blob, message row, search rows, folder row, redelivery record, in
group-committed transactions) with real `summarise` summaries computed in a worker process, then lets the
full-text index catch up (as `doveadm` indexes Dovecot's copy). Never touches a database or folder it did not
create.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import ssl
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ingest.caducee import cli, free_port

from imapbench import corpus
from mailserver import config, runtime
from mailserver.message import MessageSummary, summarise
from mailserver.store.mail import NewMessage
from mailserver.store.records import Delivered

PASSWORD = "bench-password-2026"  # no space: Dovecot's static passdb splits its args on spaces
DELIVERY_WINDOW = 2_000  # deliveries in flight at once (the store commits them in batches)
CHUNK = 500  # messages summarised per worker task


def summarised(span: tuple[int, int]) -> list[tuple[int, bytes, MessageSummary]]:
    """Corpus messages [start, stop) with their summaries (run in a worker process)."""
    return [(n, raw, summarise(raw)) for n in range(*span) for raw in (corpus.message(n),)]


class CaduceeImap:
    def __init__(self, root: Path) -> None:
        self.dir = root / "caducee"
        self.cfg = self.dir / "caducee.toml"
        self.ports: dict[str, int] = {
            key: int(free_port())
            for key in ("smtp.mx", "smtp.submission", "smtp.submissions", "imap.imap", "imap.imaps", "web.https")
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def imaps(self) -> int:
        return self.ports["imap.imaps"]

    @property
    def submission(self) -> int:
        return self.ports["smtp.submission"]

    def create(self) -> None:
        """Make the instance, or when `--work` kept one, give it fresh ports."""
        fresh = not self.cfg.exists()
        if fresh:
            cli("init", self.dir, "--domain", corpus.ADDRESS.split("@")[1], "--organisation", "Operateur Bench")
        for key, port in self.ports.items():
            config.set_value(self.cfg, key, f"127.0.0.1:{port}")
        config.set_value(self.cfg, "log.level", "WARNING")
        if fresh:
            self._mailbox()

    def _mailbox(self) -> None:
        cli(
            "mailbox", "add", corpus.ADDRESS, "--type", "PER", "--rpps", "10001234567", "--password-stdin",
            "-c", self.cfg, stdin=PASSWORD,
        )  # fmt: skip

    def client_tls(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.dir / "pki" / "root-ca.pem"))
        ctx.check_hostname = False
        return ctx

    @property
    def certificate(self) -> tuple[Path, Path]:
        """The instance's server certificate and key (Dovecot serves the same ones)."""
        return self.dir / "pki" / "server.pem", self.dir / "pki" / "server.key"

    # ------------------------------------------------------------------ filling
    def fill(self, start: int, stop: int, progress: bool = True) -> float:
        """Deliver corpus messages [start, stop) through the store; returns the seconds it took."""
        return asyncio.run(self._fill(start, stop, progress))

    async def _fill(self, start: int, stop: int, progress: bool) -> float:
        began = time.perf_counter()
        loop = asyncio.get_running_loop()
        async with runtime.opened_store(config.load(self.cfg)) as store:
            box = await store.accounts.get_mailbox(corpus.ADDRESS)
            assert box is not None
            with ProcessPoolExecutor(1) as pool:  # the event loop and the writer thread use the other CPU
                spans = [(s, min(s + CHUNK, stop)) for s in range(start, stop, CHUNK)]
                ready = [loop.run_in_executor(pool, summarised, span) for span in spans]
                inflight: set[asyncio.Future[list[Delivered]]] = set()
                for future in ready:
                    for n, raw, summary in await future:
                        message = NewMessage.of(raw, summary, corpus.internal_date(n))
                        job = asyncio.ensure_future(store.mail.deliver(message, [box.id], flags=corpus.flags(n)))
                        inflight.add(job)
                        if len(inflight) >= DELIVERY_WINDOW:
                            done, inflight = await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                            for finished in done:
                                finished.result()  # a failed delivery stops the benchmark
                    if progress and n % 10_000 == 9_999:
                        print(f"  caducee: {n + 1:>7} messages  {time.perf_counter() - began:6.0f} s", flush=True)
                await asyncio.gather(*inflight)
            # SQLite indexes message text after the delivery commits (store/imap_textindex.py); a server that has
            # run a while has caught up, as Dovecot's index has once `doveadm` ran: measure that, not the catch-up.
            await store.mail.index_text()
        return time.perf_counter() - began

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        log = (self.dir / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailserver", "serve", "-c", str(self.cfg)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"caducee serve exited: {(self.dir / 'serve.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.imaps), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("caducee serve did not listen in time")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)
            self.proc = None

    def memory(self) -> tuple[float, str]:
        """Resident memory of the serving process (one process: `serve` without --workers)."""
        assert self.proc is not None
        return rss_mb(self.proc.pid), "the serve process, every listener"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
