"""SMTP ingest benchmark: durable messages per second into local mailboxes, against Postfix+Dovecot in the same run.

Sends 4 KB and 100 KB messages from 10 concurrent sessions for a fixed time to:
- Caducée (`caducee serve` in a subprocess; SQLite, and PostgreSQL when a server is reachable), counting as
  delivered only what is committed in the store;
- Postfix delivering to Dovecot over LMTP (Debian packages, default fsync), counted in Dovecot's Maildirs once
  Postfix's queue has drained (end to end until committed);
- `smtp-sink`, the loopback ceiling of this load generator.
Prints msg/s and the percentiles of the latency of the `250` replies, and writes the `## SMTP ingest` section of
BENCHMARKS.md with ratios, the machine and the date.

Caducée runs as deployed on the machine: `caducee serve --workers N`, one worker process a CPU by default (Postfix
and Dovecot use several processes too).

Usage: python bench/smtp_ingest.py [--seconds 10] [--sessions 10] [--workers N] [--door mx|submission]
       [--no-postgres] [--no-references] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load_ingest() -> None:
    """Import bench/ingest without bench/ on sys.path: other scripts there (bench/directory.py) shadow packages."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    spec = importlib.util.spec_from_file_location(
        "ingest", HERE / "ingest" / "__init__.py", submodule_search_locations=[str(HERE / "ingest")]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ingest"] = module
    spec.loader.exec_module(module)


_load_ingest()

from ingest.caducee import MAILBOXES, BenchInstance, free_port, machine  # noqa: E402
from ingest.load import LoadResult, Target, run_load  # noqa: E402
from ingest.references import Dovecot, Postfix, SmtpSink, ensure_packages  # noqa: E402

SIZES = (4096, 102400)
SECTION = "## SMTP ingest"


@dataclass
class Row:
    system: str
    size: int
    rate: float  # delivered (committed) messages per second
    accepted: int
    delivered: int
    p50: float
    p90: float
    p99: float
    note: str = ""


def _row(system: str, size: int, load: LoadResult, delivered: int, elapsed: float, note: str = "") -> Row:
    return Row(
        system,
        size,
        delivered / elapsed if elapsed else 0.0,
        load.accepted,
        delivered,
        load.percentile(50) * 1000,
        load.percentile(90) * 1000,
        load.percentile(99) * 1000,
        note or load.first_error[:80],
    )


def bench_sink(seconds: float, sessions: int) -> list[Row]:
    sink = SmtpSink(free_port())
    sink.start()
    rows = []
    try:
        for size in SIZES:
            target = Target("127.0.0.1", sink.port, "a@emetteur.test", ["u@bench.test"])
            load = asyncio.run(run_load(target, size, sessions, seconds))
            rows.append(_row("smtp-sink (ceiling)", size, load, load.accepted, load.elapsed, "accepted, not stored"))
    finally:
        sink.stop()
    return rows


def bench_postfix(root: Path, seconds: float, sessions: int) -> list[Row]:
    rows = []
    for size in SIZES:
        work = root / f"postfix-{size}"
        dovecot = Dovecot(work / "dovecot", free_port())
        postfix = Postfix(work / "postfix", free_port(), dovecot.port, "bench.test")
        dovecot.start()
        try:
            postfix.start()
            target = Target("127.0.0.1", postfix.port, "a@emetteur.test", [f"u{n}@bench.test" for n in range(10)])
            started = time.monotonic()
            load = asyncio.run(run_load(target, size, sessions, seconds))
            while dovecot.delivered() < load.accepted and time.monotonic() - started < seconds + 120:
                time.sleep(0.02)
            elapsed = time.monotonic() - started
            delivered = dovecot.delivered()
            rows.append(_row("Postfix -> Dovecot LMTP", size, load, delivered, elapsed))
        finally:
            postfix.stop()
            dovecot.stop()
    return rows


def bench_caducee(
    root: Path, backend: str, door: str, seconds: float, sessions: int, pg_url: str, workers: int
) -> list[Row]:
    inst = BenchInstance(root, backend, pg_url, door)
    rows = []
    try:
        inst.create()
        inst.start(workers)
        target = Target("127.0.0.1", inst.port, inst.mail_from, MAILBOXES, tls=inst.client_tls())
        if door == "submission":
            target.auth = (MAILBOXES[0], "bench password 2026")
        for size in SIZES:
            before = inst.committed()
            split: list[int] = []
            probe = threading.Timer(min(2.0, seconds / 2), lambda out=split: out.extend(inst.connection_split()))
            probe.start()
            load = asyncio.run(run_load(target, size, sessions, seconds))
            probe.join()
            delivered = inst.committed() - before
            note = f"sessions per worker {'/'.join(map(str, split))}" if workers > 1 and split else ""
            rows.append(_row(f"Caducée ({backend}, {door})", size, load, delivered, load.elapsed, note))
    finally:
        inst.stop()
        inst.drop()
    return rows


def _postgres_url() -> str:
    url = os.environ.get("CADUCEE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")

    async def probe() -> bool:
        import asyncpg

        try:
            conn = await asyncpg.connect(url, timeout=3)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return url if asyncio.run(probe()) else ""


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def table(rows: list[Row]) -> str:
    lines = [
        "| system | size | delivered msg/s | accepted | committed | p50 ms | p90 ms | p99 ms | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.system} | {r.size // 1024} KB | {r.rate:,.0f} | {r.accepted} | {r.delivered} | {r.p50:.1f} | "
            f"{r.p90:.1f} | {r.p99:.1f} | {r.note} |"
        )
    return "\n".join(lines)


def ratios(rows: list[Row]) -> str:
    ref = {r.size: r.rate for r in rows if r.system.startswith("Postfix")}
    ceiling = {r.size: r.rate for r in rows if r.system.startswith("smtp-sink")}
    target = {4096: 3.0, 102400: 2.0}
    lines = ["| Caducée | size | × Postfix+Dovecot | target | × smtp-sink |", "|---|---|---|---|---|"]
    for r in rows:
        if not r.system.startswith("Caducée"):
            continue
        vs_ref = f"{r.rate / ref[r.size]:.2f}×" if ref.get(r.size) else "n/a"
        vs_sink = f"{r.rate / ceiling[r.size]:.2f}×" if ceiling.get(r.size) else "n/a"
        lines.append(f"| {r.system} | {r.size // 1024} KB | {vs_ref} | {target[r.size]:.0f}× | {vs_sink} |")
    return "\n".join(lines)


def write_section(path: Path, body: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    section = f"{SECTION}\n\n{body.rstrip()}\n\n"
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="caducee serve --workers")
    parser.add_argument("--door", choices=["mx", "submission"], default="mx")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-references", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    rows: list[Row] = []
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="caducee-bench-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # Postfix and Dovecot run their deliveries as their own users
        if not args.no_references:
            ensure_packages()
            rows += bench_sink(args.seconds, args.sessions)
            rows += bench_postfix(root, args.seconds, args.sessions)
        rows += bench_caducee(root, "sqlite", args.door, args.seconds, args.sessions, "", args.workers)
        pg_url = "" if args.no_postgres else _postgres_url()
        if pg_url:
            rows += bench_caducee(root, "postgres", args.door, args.seconds, args.sessions, pg_url, args.workers)
    report = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; load average before the run "
        f"{load_before}, after {_load()} (other work on the machine slows every system alike).\n"
        f"{args.sessions} concurrent sessions, {args.seconds:.0f} s per run, one message per transaction, unique "
        f"messages, PIPELINING; Caducée (`serve --workers {args.workers}`) through the {args.door} door (STARTTLS"
        f"{' with a client certificate' if args.door == 'mx' else ' and AUTH PLAIN'}), the references in clear. "
        "Delivered = committed in the store (Caducée) or in Dovecot's Maildirs after Postfix's queue drained. "
        "Run `make bench` (or `python bench/smtp_ingest.py`) to reproduce.\n\n"
        f"{table(rows)}\n\n{ratios(rows)}\n"
    )
    print(report)
    if not args.no_write:
        write_section(HERE.parent / "BENCHMARKS.md", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
