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

An import into a directory that holds no national entry yet (the first one) is a single transaction: if it is
interrupted, nothing of it remains and the next run starts again. It drops the secondary indexes (SQLite) and
builds them at the end, and stages the search tokens to insert them in key order at the end. On SQLite it holds
the write lock for its whole length (about half a minute at national scale): run it before opening the service.
Later imports commit batch by batch, so that other writers get the database between batches, and a run that is
interrupted is resumed by the next (lines already imported are unchanged).

Memory is bounded whatever the file's length: lines are read and written in batches of `BATCH_LINES`; the
addresses already seen live in a temporary table, not in Python; SQLite's page caches are capped for the
import (`SQLITE_CACHE_KIB` for the database, `SQLITE_TEMP_CACHE_KIB` for the temporary tables; its sorts, when
the indexes are built, use at most as much again) and restored afterwards; the folding caches have a fixed
size. What grows is the set of structures already written in this run (one short id per structure, about
100,000 nationally). It never reads or writes anything but the `dir_` tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, and_, column, exists, insert, select, table, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from directory.entries import (
    EntryWriter,
    KeyLookup,
    bound,
    delete_name_tokens,
    mailbox_values,
    organisation_values,
    practitioner_values,
    stored_tokens,
)
from directory.extraction import mailbox_key, open_extraction, parse_line, read_lines, row_hash
from directory.models import import_runs, mailboxes, name_tokens, organisation_tokens
from directory.records import SOURCE_NATIONAL, ImportSummary, Rejection

BATCH_LINES = 10_000
KEPT_REJECTIONS = 100
SEEN = "dir_import_seen"
SQLITE_CACHE_KIB = 16 * 1024  # the main database's page cache during an import (SQLite sorts use as much again)
SQLITE_TEMP_CACHE_KIB = 8 * 1024  # the temporary tables' (addresses seen, staged tokens)
_seen = table(SEEN, column("address", String))
# A first import stages its search tokens here, unsorted, and moves them into dir_name_token in one sorted pass.
_staged_tokens = Table(
    "dir_import_token",
    MetaData(),
    *(Column(c.name, c.type, nullable=False) for c in name_tokens.columns),
    prefixes=["TEMPORARY"],
)
_SORT_KEY = [c.name for c in mailboxes.columns].index("sort_key")
_BULK_INDEXES = (*mailboxes.indexes, *organisation_tokens.indexes)  # secondary indexes a first import builds last


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
            cache = await _load_window_begins(conn)
            try:
                first = await _is_first_import(conn)
                load = _Load(conn, now, counts, first=first)
                await load.begin()
                for batch in _batches(read_lines(stream), batch_lines):
                    await load.run(batch)
                await load.finish()
                valid = counts.added + counts.changed + counts.unchanged + counts.kept_local
                if valid and not first:
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
                await conn.rollback()
                await _load_window_ends(conn, cache)
    return counts.summary()


async def _is_first_import(conn: AsyncConnection) -> bool:
    """No national entry yet (not even a gone one): nothing can change or leave, and the load goes in bulk."""
    m = mailboxes.c
    return (await conn.execute(select(m.address).where(m.source == SOURCE_NATIONAL).limit(1))).first() is None


async def _load_window_begins(conn: AsyncConnection) -> tuple[int, int] | None:
    """The temporary table of the addresses seen, and on SQLite bounded page caches that keep the b-trees being
    written hot; returns the cache sizes to restore (the connection goes back to the pool)."""
    saved = None
    without_rowid = ""
    if conn.dialect.name == "sqlite":
        saved = (
            (await conn.exec_driver_sql("PRAGMA main.cache_size")).scalar_one(),
            (await conn.exec_driver_sql("PRAGMA temp.cache_size")).scalar_one(),
        )
        await conn.exec_driver_sql(f"PRAGMA main.cache_size = -{SQLITE_CACHE_KIB}")
        await conn.exec_driver_sql(f"PRAGMA temp.cache_size = -{SQLITE_TEMP_CACHE_KIB}")
        without_rowid = " WITHOUT ROWID"  # one b-tree (the key) instead of a table and its key index
    await conn.execute(text(f"DROP TABLE IF EXISTS {SEEN}"))
    await conn.execute(text(f"CREATE TEMPORARY TABLE {SEEN} (address VARCHAR(320) PRIMARY KEY){without_rowid}"))
    await conn.commit()
    return saved


async def _load_window_ends(conn: AsyncConnection, saved: tuple[int, int] | None) -> None:
    await conn.run_sync(_create_indexes)  # no-op unless a first import failed where DDL is not transactional
    for name in (SEEN, _staged_tokens.name):
        await conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    if saved is not None:
        await conn.exec_driver_sql(f"PRAGMA main.cache_size = {int(saved[0])}")
        await conn.exec_driver_sql(f"PRAGMA temp.cache_size = {int(saved[1])}")
    await conn.commit()


def _drop_indexes(sync: Connection) -> None:
    for index in _BULK_INDEXES:
        index.drop(sync, checkfirst=True)


def _create_indexes(sync: Connection) -> None:
    for index in _BULK_INDEXES:
        index.create(sync, checkfirst=True)


def _batches(lines: Iterable[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    iterator = iter(lines)
    while batch := list(islice(iterator, size)):
        yield batch


class _Load:
    """Writes the file batch by batch: each line is parsed once into tuples in column order, written with one
    executemany per table and batch. An ordinary import commits each batch. A first import (`first`) is one
    transaction that drops the secondary indexes of the tables it fills (SQLite) and builds them at the end,
    and stages the search tokens to insert them in key order at the end: building a b-tree once, or filling it
    in order, costs far less than keeping it up to date line by line in random order."""

    def __init__(self, conn: AsyncConnection, now: datetime, counts: _Counts, *, first: bool) -> None:
        self.conn = conn
        self.counts = counts
        self.first = first
        self.stamp = bound(conn, mailboxes.c.updated_at, now)
        self.writer = EntryWriter(conn, _staged_tokens if first else name_tokens, organisation_tokens_exist=not first)
        self.insert_seen = str(insert(_seen).compile(dialect=conn.dialect, column_keys=["address"]))
        self.seen = KeyLookup(conn, [_seen.c.address], _seen.c.address)
        m = mailboxes.c
        self.stored = KeyLookup(conn, [m.address, m.row_hash, m.source, m.gone_at], m.address)
        self.organisations_written: set[str] = set()  # one upsert per structure and run, not one per line
        self.local: set[str] = set()  # on a first import, the only entries there are: this operator's own

    async def begin(self) -> None:
        if self.first:
            m = mailboxes.c
            self.local = {a for (a,) in await self.conn.execute(select(m.address).where(m.source != SOURCE_NATIONAL))}
            if self.conn.dialect.name == "sqlite":  # on PostgreSQL, DROP INDEX would lock out readers until commit
                await self.conn.run_sync(_drop_indexes)
            await self.conn.run_sync(_staged_tokens.create)

    async def finish(self) -> None:
        if self.first:
            columns = [c.name for c in name_tokens.columns]
            staged = select(*(_staged_tokens.c[name] for name in columns)).order_by(*columns)
            await self.conn.execute(insert(name_tokens).from_select(columns, staged))
            await self.conn.run_sync(_create_indexes)

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
        conn = self.conn
        for (address,) in await self.seen.rows(list(first)):
            del first[address]
            counts.duplicates += 1
        if not first:
            return
        await conn.exec_driver_sql(self.insert_seen, [(a,) for a in first])
        stored: dict[str, tuple[Any, ...]]  # address: (row hash, source, gone_at)
        if self.first:  # nothing national is stored yet: only this operator's entries can be there
            stored = {a: ("", "local", None) for a in first if a in self.local}
        else:
            stored = {a: (h, s, g) for a, h, s, g in await self.stored.rows(list(first))}
        stamp, written = self.stamp, self.organisations_written
        people: list[tuple[Any, ...]] = []
        structures: list[tuple[Any, ...]] = []
        boxes: list[tuple[Any, ...]] = []
        tokens: list[tuple[str, str, str, str]] = []
        changed: list[str] = []
        for address, (number, raw) in first.items():
            state = stored.get(address)
            if state is not None and state[1] != SOURCE_NATIONAL:
                counts.kept_local += 1
                continue
            if state is not None and state[0] == row_hash(raw) and state[2] is None:
                counts.unchanged += 1
                continue
            row = parse_line(raw, number)
            if isinstance(row, Rejection):
                counts.reject(row)  # a stored entry stays as it was: a bad line does not prove the mailbox left
                continue
            if state is None:
                counts.added += 1
            else:
                counts.changed += 1
                changed.append(address)
            if row.pp_national_id:
                people.append(practitioner_values(row, stamp))
            if row.structure_id and row.structure_id not in written:
                written.add(row.structure_id)
                structures.append(organisation_values(row, stamp))
            box, names = mailbox_values(row, SOURCE_NATIONAL, stamp)
            boxes.append(box)
            key = box[_SORT_KEY]
            tokens.extend([("n", token, key, address) for token in names])
        replaced = await stored_tokens(conn, changed) if changed else []
        await self.writer.write(people, structures, boxes, tokens, replaced)
        if not self.first:
            await conn.commit()


async def _mark_gone(conn: AsyncConnection, now: datetime) -> int:
    """National mailboxes absent from this file: marked gone and removed from search, never deleted."""
    m = mailboxes.c
    absent = ~exists().where(_seen.c.address == m.address)
    gone = and_(m.source == SOURCE_NATIONAL, m.gone_at.is_(None), absent)
    result = await conn.execute(update(mailboxes).where(gone).values(gone_at=now, updated_at=now))
    rows = await conn.execute(select(m.address, m.sort_key, m.name_tokens).where(m.gone_at == now))
    await delete_name_tokens(conn, [(a, k, t) for a, k, t in rows])
    return int(result.rowcount)
