"""Benchmark of the practitioner directory at national scale (DOMAIN.md §4), on SQLite.

Generates a SYNTHETIC extraction of 535,000 lines in the exact national format (invented names and ids, 169
duplicated addresses), then measures: the full import, a no-change re-import, the peak RSS of the process,
and name-prefix search latency (p50/p99) over many random prefixes of 1 to 6 letters taken from names in the
file. Targets (issue 5): import < 60 s, re-import < 20 s, p99 < 20 ms. Prints one table.

Usage: python -m bench.directory [--lines N] [--searches N] [--folder DIR [--reuse]]
(--reuse keeps an extraction already generated in DIR by an earlier run with the same --lines.)
"""

# ruff: noqa: E402  (the sys.path fix below must run before the imports)
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow the `directory` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import os
import platform
import random
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from directory.extraction import HEADER_V1
from directory.importer import import_extraction
from directory.normalise import words
from directory.records import PUBLIC_VIEWER, SearchQuery
from directory.schema import create_schema
from directory.search import search
from directory.synthetic import FAMILY, GIVEN, synthetic_lines


def generate(path: Path, lines: int) -> float:
    start = time.perf_counter()
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(HEADER_V1 + "\n")
        for line in synthetic_lines(lines):
            out.write(line + "\n")
    return time.perf_counter() - start


def sqlite_engine(database: Path) -> AsyncEngine:
    """The store's own SQLite engine (WAL, synchronous=FULL) when it is there, as the server runs it."""
    try:
        from mailserver.store.engine import create_engine
    except ImportError:
        return create_async_engine(f"sqlite+aiosqlite:///{database}")
    return create_engine(f"sqlite:///{database}")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(folder: Path, lines: int, searches: int, *, reuse: bool = False) -> list[tuple[str, str, str]]:
    extraction = folder / f"Extraction_Correspondance_MSSante_SYNTHETIQUE_{lines}.txt"
    made = "reused" if reuse and extraction.is_file() else f"made in {generate(extraction, lines):.1f} s"
    database = folder / "directory.db"
    database.unlink(missing_ok=True)
    engine = sqlite_engine(database)
    await create_schema(engine)
    rss_before = peak_rss_mib()

    load_before = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    first = await import_extraction(engine, extraction, clock=lambda: datetime.now(UTC))
    full, full_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    again = await import_extraction(engine, extraction, clock=lambda: datetime.now(UTC))
    reimport, reimport_cpu = time.perf_counter() - start, time.process_time() - cpu
    load_after = os.getloadavg()[0]
    rss_after = peak_rss_mib()

    rng = random.Random(7)
    names = [w for n in FAMILY + GIVEN for w in words(n)]
    prefixes = [w[: rng.randint(1, min(6, len(w)))] for w in (rng.choice(names) for _ in range(searches))]
    for prefix in prefixes[:50]:  # warm the page cache, as a running server has it
        await search(engine, SearchQuery(name=prefix), PUBLIC_VIEWER)
    latencies = []
    for prefix in prefixes:
        start = time.perf_counter()
        page = await search(engine, SearchQuery(name=prefix, limit=20), PUBLIC_VIEWER)
        latencies.append((time.perf_counter() - start) * 1000)
        assert page.entries, prefix
    await engine.dispose()
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return [
        ("machine", f"{platform.node()} {platform.machine()} python {platform.python_version()}", ""),
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), ""),
        ("synthetic lines", f"{lines:,} ({extraction.stat().st_size / 2**20:.0f} MiB, {made})", ""),
        ("load average (1 min) before / after", f"{load_before:.1f} / {load_after:.1f} on {os.cpu_count()} cores", ""),
        ("full import", f"{full:.1f} s wall, {full_cpu:.1f} s CPU (+{first.added:,} dup {first.duplicates})", "< 60 s"),
        (
            "no-change re-import",
            f"{reimport:.1f} s wall, {reimport_cpu:.1f} s CPU (unchanged {again.unchanged:,}, changed {again.changed})",
            "< 20 s",
        ),
        ("peak RSS", f"{rss_after:.0f} MiB (before import {rss_before:.0f} MiB)", "bounded"),
        ("database size", f"{database.stat().st_size / 2**20:.0f} MiB", ""),
        (f"name-prefix search p50 ({searches} prefixes)", f"{p50:.2f} ms", ""),
        ("name-prefix search p99", f"{p99:.2f} ms", "< 20 ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=535_000)
    parser.add_argument("--searches", type=int, default=2000)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="keep the extraction a previous run left in --folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caducee-bench-directory-") as scratch:
        folder = args.folder or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        rows = asyncio.run(run(folder, args.lines, args.searches, reuse=args.reuse and args.folder is not None))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'result':<60}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<60}  {target}")


if __name__ == "__main__":
    main()
