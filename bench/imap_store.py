"""Store-level IMAP benchmark: a 100,000-message folder, timed through the `ImapView` API (DESIGN.md §8).

Run: `.venv/bin/python -m bench.imap_store [--messages 100000] [--postgres URL] [--keep DIR]`.
It builds one mailbox with N distinct messages of about 4 KB (real summaries, search rows, sealed blobs) by a
bulk loader that writes the tables directly, in batches (the delivery path would take minutes), then measures in
a fresh process: the first and second SELECT snapshot, the last 50 envelopes (cold, warm), SEARCH on a Subject
and on a word found in one body, LIST-STATUS, STORE +FLAGS on 1:*, CHANGEDSINCE, and the delay from a commit in
another engine (another worker process) to an IDLE watcher. The protocol-level comparison with Dovecot on the
wire is bench/imap.py's job; the Dovecot column here repeats the figures of issue 4 for scale only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text, update

from mailserver import runtime
from mailserver.message import summarise, to_json
from mailserver.store import Store, migrate
from mailserver.store.blobs import BlobCipher, generate_key_file
from mailserver.store.engine import create_engine, writer
from mailserver.store.imap_criteria import All, FieldContains, SortBy, SortKey, TextContains, TextField
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imap_index import search_row, split_row
from mailserver.store.imap_schema import message_search, message_text
from mailserver.store.imapview import ImapView
from mailserver.store.mail import NewMessage
from mailserver.store.schema import blobs, folder_messages, folders, messages

ADDRESS = "bench@example.test"
BATCH = 2_000
SYLLABLES = ["ra", "di", "o", "lo", "gie", "car", "dio", "pa", "tient", "ex", "a", "men", "bi", "lan", "thé", "ra"]
DOVECOT = {  # issue 4, measured on the wire with Dovecot 2.3 and 100k messages
    "SELECT (first)": "199 ms",
    "SELECT (second)": "1.9 ms",
    "FETCH 1:* (UID FLAGS)": "51 ms",
    "last 50 envelopes (cold)": "317 ms",
    "last 50 envelopes (warm)": "0.8 ms",
    "SEARCH SUBJECT (cold)": "1.4 s",
    "SEARCH SUBJECT (warm)": "132 ms",
    "SEARCH BODY (one message)": "3.1 s",
    "IDLE push (median)": "503 ms",
}


def _words(rng: random.Random, count: int) -> str:
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(count))


def make_raw(n: int) -> bytes:
    rng = random.Random(n)
    body = "\r\n".join(_words(rng, 12) for _ in range(45))
    header = (
        f"From: Dr {_words(rng, 1).title()} <dr{n % 997}@hopital.example.test>\r\n"
        f"To: {ADDRESS}\r\n"
        f"Subject: Compte rendu {_words(rng, 3)} {n}\r\n"
        f"Date: {(datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"Message-ID: <bench{n}@hopital.example.test>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return (header + body + f"\r\nmarqueur{n}x\r\n").encode()


def prepare(args: tuple[int, int, str]) -> list[dict[str, Any]]:
    """CPU work for messages [start, stop): summary, search row, sealed blob (run in worker processes)."""
    start, stop, keys = args
    cipher = BlobCipher.from_file(Path(keys))
    out = []
    for n in range(start, stop):
        raw = make_raw(n)
        summary = summarise(raw)
        summary_json = to_json(summary)
        sealed = cipher.seal(raw)
        out.append(
            {
                "n": n,
                "size": len(raw),
                "summary": summary_json,
                "message_id": f"<bench{n}@hopital.example.test>",
                "sha256": sealed.sha256,
                "key_id": sealed.key_id,
                "data": sealed.data,
                "search": search_row(raw, summary),
            }
        )
    return out


async def build(url: str, keys: Path, count: int) -> None:
    engine = create_engine(url)
    await migrate.upgrade(engine, runtime.migration_locations())
    store = Store.build(engine, BlobCipher.from_file(keys))
    await store.accounts.ensure_domain("example.test", "professional")
    box = await store.accounts.create_mailbox(ADDRESS, "PER")
    inbox = next(f for f in await store.mail.folders_of(box.id) if f.name == "INBOX")
    now = datetime.now(UTC)
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max(1, (os.cpu_count() or 2))) as pool:
        chunks = [(s, min(s + BATCH, count), str(keys)) for s in range(0, count, BATCH)]
        pending = [loop.run_in_executor(pool, prepare, chunk) for chunk in chunks]
        for future in pending:
            rows = await future
            async with writer(engine).begin() as conn:
                base = int((await conn.execute(select(func.coalesce(func.max(messages.c.id), 0)))).scalar_one())
                await conn.execute(
                    blobs.insert(),
                    [
                        {"id": base + i + 1, "sha256": r["sha256"], "size": r["size"], "key_id": r["key_id"]}
                        | {"data": r["data"]}
                        for i, r in enumerate(rows)
                    ],
                )
                await conn.execute(
                    messages.insert(),
                    [
                        {"id": base + i + 1, "blob_id": base + i + 1, "size": r["size"], "created_at": now}
                        | {"message_id_header": r["message_id"], "summary": r["summary"]}
                        for i, r in enumerate(rows)
                    ],
                )
                split = [split_row(base + i + 1, r["search"]) for i, r in enumerate(rows)]
                await conn.execute(message_search.insert(), [fields for fields, _ in split])
                await conn.execute(message_text.insert(), [text for _, text in split])
                await conn.execute(
                    folder_messages.insert(),
                    [
                        {
                            "folder_id": inbox.id,
                            "uid": r["n"] + 1,
                            "message_id": base + i + 1,
                            "modseq": 2,
                            "flags": "\\Seen" if r["n"] % 4 else "",
                            "internal_date": now - timedelta(minutes=count - r["n"]),
                        }
                        for i, r in enumerate(rows)
                    ],
                )
            print(f"  loaded {rows[-1]['n'] + 1:>7} messages  {time.perf_counter() - started:6.1f} s", flush=True)
    async with writer(engine).begin() as conn:
        await conn.execute(update(folders).where(folders.c.id == inbox.id).values(uidnext=count + 1, highestmodseq=2))
        if engine.dialect.name == "postgresql":
            for statement in (
                "SELECT setval(pg_get_serial_sequence('blobs', 'id'), (SELECT max(id) FROM blobs))",
                "SELECT setval(pg_get_serial_sequence('messages', 'id'), (SELECT max(id) FROM messages))",
                "SELECT setval(pg_get_serial_sequence('folder_messages', 'id'), (SELECT max(id) FROM folder_messages))",
            ):
                await conn.execute(text(statement))
            await conn.execute(text("ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
    # The text rows go in pending, as deliveries write them: extract and index their text now, as a server that has
    # run a while has done (store/imap_textindex.py), so that SEARCH is measured on the index, not the catch-up.
    await store.mail.index_text()
    await store.close()


def rss_mb() -> float:
    """Resident memory now (ru_maxrss would carry the parent's peak across fork and exec)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


async def timed(results: dict[str, str], name: str, action: Callable[[], Awaitable[Any]]) -> Any:
    start = time.perf_counter()
    value = await action()
    elapsed = time.perf_counter() - start
    results[name] = f"{elapsed * 1000:.1f} ms" if elapsed < 10 else f"{elapsed:.1f} s"
    if os.environ.get("BENCH_RSS"):
        results[name] += f" rss={rss_mb():.0f}"
    return value


async def measure(url: str, keys: Path, count: int) -> dict[str, str]:
    results: dict[str, str] = {}
    store = Store.build(create_engine(url), BlobCipher.from_file(keys))
    other = Store.build(create_engine(url), BlobCipher.from_file(keys))
    view = ImapView(store)
    await view.start()
    try:
        box = await store.accounts.get_mailbox(ADDRESS)
        assert box is not None
        inbox = (await view.directory.folder(box.id, "INBOX")).id
        snap = await timed(results, "SELECT (first)", lambda: view.messages.snapshot(inbox))
        await timed(results, "SELECT (second)", lambda: view.messages.snapshot(inbox))
        lines = await timed(
            results,
            "FETCH 1:* (UID FLAGS) from snapshot",
            lambda: _render(snap),
        )
        assert len(lines) == snap.exists
        last = snap.uids[-1]

        async def envelopes() -> int:
            rows = await view.messages.fetch(inbox, [(last - 49, last)])
            summaries = await view.messages.summaries([r.message_id for r in rows])
            return sum(len(summaries[r.message_id].envelope) for r in rows)

        await timed(results, "last 50 envelopes (cold)", envelopes)
        await timed(results, "last 50 envelopes (warm)", envelopes)
        subject = FieldContains(TextField.SUBJECT, f" {count // 2}")
        await timed(results, "SEARCH SUBJECT (cold)", lambda: view.search.search(inbox, subject))
        await timed(results, "SEARCH SUBJECT (warm)", lambda: view.search.search(inbox, subject))
        word = TextContains(f"marqueur{count // 3}x")
        found = await timed(results, "SEARCH BODY (one message)", lambda: view.search.search(inbox, word))
        assert found.uids.tolist() == [count // 3 + 1], found.uids.tolist()
        common = TextContains("cardio")
        hits = await timed(results, "SEARCH BODY (common word)", lambda: view.search.search(inbox, common))
        results["  ... matches"] = str(len(hits.uids))
        await timed(results, "LIST-STATUS (6 folders)", lambda: view.directory.list_folders([box.id]))
        await timed(results, "SORT SUBJECT", lambda: view.search.sort(inbox, [SortKey(SortBy.SUBJECT)], All()))
        results["RSS after reads"] = f"{rss_mb():.0f} MB"
        await timed(
            results,
            "STORE +FLAGS \\Flagged 1:*",
            lambda: view.flags.store(inbox, [(1, count)], FlagOperation.ADD, ["\\Flagged"]),
        )
        await timed(results, "SELECT after STORE 1:*", lambda: view.messages.snapshot(inbox))
        await timed(results, "CHANGEDSINCE (nothing new)", lambda: view.changes.changes_since(inbox, 10**9))
        delays = await _idle_delays(view, other, box.id, inbox)
        results["IDLE push (median)"] = f"{statistics.median(delays) * 1000:.1f} ms"
        results["IDLE push (max of 20)"] = f"{max(delays) * 1000:.1f} ms"
    finally:
        await view.close()
        await store.close()
        await other.close()
    return results


async def _render(snap: Any) -> list[bytes]:
    return [
        b"* %d FETCH (UID %d FLAGS (%s))\r\n" % (i + 1, uid, text.encode())
        for i, (uid, text) in enumerate(zip(snap.uids, snap.flags, strict=True))
    ]


async def _idle_delays(view: ImapView, other: Store, mailbox_id: int, inbox: int) -> list[float]:
    delays = []
    state = await view.changes.folder_state(inbox)
    watch = view.watch(inbox, state.highestmodseq)
    for n in range(20):
        raw = make_raw(10_000_000 + n) + f"run {time.time_ns()}\r\n".encode()  # never a redelivery
        message = NewMessage(raw, to_json(summarise(raw)), None, datetime.now(UTC))
        await other.mail.deliver(message, [mailbox_id])
        committed = time.perf_counter()
        async with asyncio.timeout(10):
            await watch.wait()
        delays.append(time.perf_counter() - committed)
        await asyncio.sleep(0.013 * (n % 5))  # land at different points of the SQLite poll cycle
    watch.close()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a database bench_imap_store is created there)")
    parser.add_argument("--keep", help="directory for the SQLite database and keys (reused if present)")
    parser.add_argument("--measure-only", nargs=2, metavar=("URL", "KEYS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        url, keys = args.measure_only
        for name, value in asyncio.run(measure(url, Path(keys), args.messages)).items():
            print(f"{name}\t{value}")
        return
    work = Path(args.keep or tempfile.mkdtemp(prefix="imap_store_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    keys = work / "blob.keys"
    if not keys.exists():
        generate_key_file(keys)
    url = _fresh_postgres(args.postgres) if args.postgres else f"sqlite:///{work / 'bench.db'}"
    if args.postgres or not (work / "bench.db").exists():
        print(f"building {args.messages} messages in {url.rsplit('@', 1)[-1]}")
        asyncio.run(build(url, keys, args.messages))
    command = [sys.executable, "-m", "bench.imap_store", "--messages", str(args.messages), "--measure-only", url]
    root = Path(__file__).resolve().parents[1]
    measured = subprocess.run([*command, str(keys)], capture_output=True, text=True, cwd=root, check=False)
    if measured.returncode:  # a fresh process, so that RSS is the reader's own
        sys.exit(measured.stderr)
    output = measured.stdout
    if not args.postgres:
        size = (work / "bench.db").stat().st_size / 2**20
        output += f"SQLite file size\t{size:.0f} MB\n"
    print(f"\n{'operation':<38} {'Caducée store':>14} {'Dovecot (issue 4)':>18}")
    for line in output.strip().splitlines():
        name, value = line.split("\t")
        print(f"{name:<38} {value:>14} {DOVECOT.get(name, ''):>18}")


def _fresh_postgres(admin_url: str) -> str:
    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute('DROP DATABASE IF EXISTS "bench_imap_store" WITH (FORCE)')
            await conn.execute('CREATE DATABASE "bench_imap_store"')
        finally:
            await conn.close()

    asyncio.run(create())
    return admin_url.rsplit("/", 1)[0] + "/bench_imap_store"


if __name__ == "__main__":
    main()
