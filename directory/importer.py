"""Import of the national extraction into the directory: streaming, idempotent, by difference.

Owns the import rules:
- A line whose content hash matches the stored one (and whose mailbox is not gone) is left untouched, so a
  re-run of the same file writes nothing but its own bookkeeping.
- New addresses are added, changed lines update their entry, and national mailboxes that are no longer in the
  file are marked gone (`gone_at`), never deleted: they stay resolvable for routing history. A mailbox that
  comes back is revived. If a file yields no valid line at all, nothing is marked gone.
- Duplicated addresses (about 169 in the real file): **the first line in file order wins**; later lines with
  the same address are counted as `duplicates` and ignored. The real duplicates are one mailbox listed under
  several structures, and the first line is as good a structure as any; order-independence would need the file
  held whole, which we refuse.
- Entries of this operator's own mailboxes (source local or manual) are never overwritten by the national file
  (`kept_local`).
- Bad lines are reported through `on_rejection` as they are met, and the import goes on.
Memory is bounded by the batch size: the addresses already seen live in a temporary table, not in Python.
It never reads or writes anything but the `dir_` tables.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import String, and_, column, exists, insert, select, table, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from directory.entries import (
    PARAMETER_CHUNK,
    Row,
    StoredTokens,
    delete_name_tokens,
    mailbox_row,
    name_token_rows,
    organisation_row,
    practitioner_row,
    write_entries,
)
from directory.extraction import ExtractionRow, mailbox_key, open_extraction, parse_line, read_lines, row_hash
from directory.models import import_runs, mailboxes
from directory.records import SOURCE_NATIONAL, ImportSummary, Rejection

BATCH_LINES = 10_000
KEPT_REJECTIONS = 100
SEEN = "dir_import_seen"
SQLITE_CACHE_KIB = 128 * 1024
_seen = table(SEEN, column("address", String))


@dataclass
class _Counts:
    lines: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: int = 0
    duplicates: int = 0
    kept_local: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    on_rejection: Callable[[Rejection], None] | None = None

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        if len(self.rejections) < KEPT_REJECTIONS:
            self.rejections.append(rejection)
        if self.on_rejection is not None:
            self.on_rejection(rejection)

    def summary(self) -> ImportSummary:
        return ImportSummary(
            self.lines,
            self.added,
            self.changed,
            self.unchanged,
            self.removed,
            self.rejected,
            self.duplicates,
            self.kept_local,
            tuple(self.rejections),
        )


async def import_extraction(
    engine: AsyncEngine,
    path: Path,
    *,
    clock: Callable[[], datetime],
    on_rejection: Callable[[Rejection], None] | None = None,
    batch_lines: int = BATCH_LINES,
) -> ImportSummary:
    """Bring the directory in line with the extraction at `path` (text file or zip); return the counts."""
    now = clock()
    counts = _Counts(on_rejection=on_rejection)
    with open_extraction(path) as stream:
        async with engine.connect() as conn:
            await _create_seen_table(conn)
            batches = _Batches(conn, now, counts)
            bulk = await _bulk_load_begins(conn)
            try:
                for batch in _batches(read_lines(stream), batch_lines):
                    await batches.run(batch)
                await batches.drain()
                valid = counts.added + counts.changed + counts.unchanged + counts.kept_local
                if valid:
                    counts.removed = await _mark_gone(conn, now)
                await conn.execute(
                    insert(import_runs).values(
                        source_name=path.name[:300],
                        started_at=now,
                        finished_at=clock(),
                        lines=counts.lines,
                        added=counts.added,
                        changed=counts.changed,
                        unchanged=counts.unchanged,
                        removed=counts.removed,
                        rejected=counts.rejected,
                    )
                )
                await conn.commit()
            finally:
                await batches.drain(cancel=True)
                await conn.rollback()
                if bulk:
                    await _bulk_load_ends(conn)
                await conn.execute(text(f"DROP TABLE IF EXISTS {SEEN}"))
                await conn.commit()
    return counts.summary()


async def _bulk_load_begins(conn: AsyncConnection) -> bool:
    """On a first import (no national entry yet), drop the mailbox table's secondary indexes: building them
    once at the end is several times faster than updating them line by line. `_bulk_load_ends` always runs."""
    m = mailboxes.c
    if (await conn.execute(select(m.address).where(m.source == SOURCE_NATIONAL).limit(1))).first() is not None:
        return False
    await conn.run_sync(_drop_indexes)
    await conn.commit()
    return True


def _drop_indexes(sync: Connection) -> None:
    for index in mailboxes.indexes:
        index.drop(sync, checkfirst=True)


def _create_indexes(sync: Connection) -> None:
    for index in mailboxes.indexes:
        index.create(sync, checkfirst=True)


async def _bulk_load_ends(conn: AsyncConnection) -> None:
    await conn.run_sync(_create_indexes)
    await conn.commit()


def _batches(lines: Iterable[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    iterator = iter(lines)
    while batch := list(islice(iterator, size)):
        yield batch


async def _create_seen_table(conn: AsyncConnection) -> None:
    if conn.dialect.name == "sqlite":
        await conn.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))  # bounded: the b-trees stay hot
    await conn.execute(text(f"DROP TABLE IF EXISTS {SEEN}"))
    await conn.execute(text(f"CREATE TEMPORARY TABLE {SEEN} (address VARCHAR(320) PRIMARY KEY)"))
    await conn.commit()


@dataclass
class _Entry:
    """The rows one parsed line writes."""

    row: ExtractionRow
    person: Row | None
    structure: Row | None
    box: Row
    tokens: list[tuple[str, str, str, str]]


def _entry(raw: bytes, number: int, now: datetime, organisations_written: set[str]) -> _Entry | Rejection:
    row = parse_line(raw, number)
    if isinstance(row, Rejection):
        return row
    box = mailbox_row(row, SOURCE_NATIONAL, now)
    names = (row.family_name, row.given_name) if (row.family_name or row.given_name) else (row.service,)
    return _Entry(
        row,
        practitioner_row(row, now) if row.pp_national_id else None,
        organisation_row(row, now) if row.structure_id and row.structure_id not in organisations_written else None,
        box,
        name_token_rows(box, names),
    )


class _Batches:
    """Runs batches so that parsing batch n+1 overlaps the database writing batch n (two cores: the SQLite
    thread releases the GIL while it steps). Lines are parsed ahead only while most lines are being written:
    a re-import of an unchanged file parses nothing but the addresses."""

    def __init__(self, conn: AsyncConnection, now: datetime, counts: _Counts) -> None:
        self.conn = conn
        self.now = now
        self.counts = counts
        self.writing: asyncio.Task[None] | None = None
        self.parse_ahead = True
        self.organisations_written: set[str] = set()  # one upsert per structure and run, not one per line

    async def drain(self, *, cancel: bool = False) -> None:
        task, self.writing = self.writing, None
        if task is None:
            return
        if cancel:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        else:
            await task

    async def run(self, batch: list[tuple[int, bytes]]) -> None:
        counts = self.counts
        first: dict[str, tuple[int, bytes]] = {}
        for number, raw in batch:
            counts.lines += 1
            address = mailbox_key(raw)
            if address is None:
                rejection = parse_line(raw, number)
                counts.reject(rejection if isinstance(rejection, Rejection) else Rejection(number, "no address"))
            elif address in first:
                counts.duplicates += 1
            else:
                first[address] = (number, raw)
        ahead = (
            {a: _entry(raw, n, self.now, self.organisations_written) for a, (n, raw) in first.items()}
            if self.parse_ahead
            else {}
        )
        await self.drain()
        conn = self.conn
        for address in await _already_seen(conn, list(first)):
            del first[address]
            counts.duplicates += 1
        if not first:
            return
        await conn.exec_driver_sql(_insert_seen_sql(conn), [(a,) for a in first])
        stored = await _stored_state(conn, list(first))
        entries: list[_Entry] = []
        replaced: list[StoredTokens] = []
        for address, (number, raw) in first.items():
            state = stored.get(address)
            if state is not None and state[1] != SOURCE_NATIONAL:
                counts.kept_local += 1
                continue
            if state is not None and state[0] == row_hash(raw) and state[2] is None:
                counts.unchanged += 1
                continue
            entry = ahead.get(address) or _entry(raw, number, self.now, self.organisations_written)
            if isinstance(entry, Rejection):
                counts.reject(entry)  # a stored entry stays as it was: a bad line does not prove the mailbox left
                continue
            if state is None:
                counts.added += 1
            else:
                counts.changed += 1
                replaced.append((address, state[3], state[4]))
            entries.append(entry)
        self.parse_ahead = len(entries) * 2 > len(first)
        self.writing = asyncio.ensure_future(self._write(entries, replaced))

    async def _write(self, entries: list[_Entry], replaced: list[StoredTokens]) -> None:
        structures = []
        for e in entries:
            if e.structure is not None and e.structure["national_id"] not in self.organisations_written:
                self.organisations_written.add(e.structure["national_id"])
                structures.append(e.structure)
        await write_entries(
            self.conn,
            [e.person for e in entries if e.person is not None],
            structures,
            [e.box for e in entries],
            [t for e in entries for t in e.tokens],
            replaced,
        )
        await self.conn.commit()


def _insert_seen_sql(conn: AsyncConnection) -> str:
    return str(insert(_seen).compile(dialect=conn.dialect, column_keys=["address"]))


async def _already_seen(conn: AsyncConnection, addresses: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(addresses), PARAMETER_CHUNK):
        chunk = addresses[start : start + PARAMETER_CHUNK]
        result = await conn.execute(select(_seen.c.address).where(_seen.c.address.in_(chunk)))
        found.extend(r[0] for r in result)
    return found


async def _stored_state(conn: AsyncConnection, addresses: list[str]) -> dict[str, tuple[Any, ...]]:
    """(row hash, source, gone_at, sort key, tokens) of the stored entries among `addresses`."""
    state: dict[str, tuple[Any, ...]] = {}
    m = mailboxes.c
    for start in range(0, len(addresses), PARAMETER_CHUNK):
        chunk = addresses[start : start + PARAMETER_CHUNK]
        result = await conn.execute(
            select(m.address, m.row_hash, m.source, m.gone_at, m.sort_key, m.name_tokens).where(m.address.in_(chunk))
        )
        for address, *values in result:
            state[address] = tuple(values)
    return state


async def _mark_gone(conn: AsyncConnection, now: datetime) -> int:
    """National mailboxes absent from this file: marked gone and removed from search, never deleted."""
    m = mailboxes.c
    absent = ~exists().where(_seen.c.address == m.address)
    gone = and_(m.source == SOURCE_NATIONAL, m.gone_at.is_(None), absent)
    result = await conn.execute(update(mailboxes).where(gone).values(gone_at=now, updated_at=now))
    rows = await conn.execute(select(m.address, m.sort_key, m.name_tokens).where(m.gone_at == now))
    await delete_name_tokens(conn, [(a, k, t) for a, k, t in rows])
    return int(result.rowcount)
