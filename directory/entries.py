"""Writing directory entries: the rows of a mailbox, its practitioner, its organisation and its search tokens.

Owns the mapping from an extraction row or a local mailbox to table rows, and the bulk writes that both the
importer and the local-mailbox service use: one executemany per table and batch over driver SQL compiled once
per dialect. The import builds each row as one tuple in column order, already in database form (no per-row
dict, no per-row bind processing: that work, not SQLite, is what made 535,000 lines slow). It never commits:
callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from directory.extraction import ExtractionRow
from directory.models import mailboxes, name_tokens, organisation_tokens, organisations, practitioners
from directory.normalise import fold, index_tokens, sort_key

Row = dict[str, Any]
PARAMETER_CHUNK = 2000  # values per IN (...) list: well under SQLite's and asyncpg's bind limits
PRACTITIONER_COLUMNS = tuple(c.name for c in practitioners.columns)
ORGANISATION_COLUMNS = tuple(c.name for c in organisations.columns)
MAILBOX_COLUMNS = tuple(c.name for c in mailboxes.columns)


def practitioner_values(row: ExtractionRow, stamp: Any) -> tuple[Any, ...]:
    """The `dir_practitioner` row of an extraction line, in column order (`PRACTITIONER_COLUMNS`); `stamp` is
    the import's time as the database binds it (see `bound`)."""
    return (
        row.pp_national_id, row.pp_id_type, row.civility, row.family_name, row.given_name, row.category_code,
        row.category_label, row.profession_code, row.profession_label, row.speciality_code, row.speciality_label,
        sort_key(row.family_name, row.given_name), stamp,
    )  # fmt: skip


def organisation_values(row: ExtractionRow, stamp: Any) -> tuple[Any, ...]:
    """The `dir_organisation` row of an extraction line's structure, in column order (`ORGANISATION_COLUMNS`)."""
    return (
        row.structure_id, row.structure_id_type, row.legal_name, row.trade_name, *row.address_lines, row.postcode,
        row.city, row.department, row.country, fold(row.legal_name or row.trade_name)[:200], stamp,
    )  # fmt: skip


def mailbox_values(row: ExtractionRow, source: str, stamp: Any) -> tuple[tuple[Any, ...], list[str]]:
    """The `dir_mailbox` row of an extraction line in column order (`MAILBOX_COLUMNS`), and its search tokens
    (of the holder's name, or of the service for a mailbox that names nobody)."""
    family, given = row.family_name, row.given_name
    if family or given:
        key = sort_key(family, given)
        cn = " ".join(w for w in (fold(given), fold(family)) if w)[:200]  # fold("Given Family"), from cached parts
        tokens = name_tokens_of((family, given))
    else:
        cn = fold(row.service or row.legal_name or row.address)[:200]
        key = cn
        tokens = name_tokens_of((row.service,))
    box = (
        row.address, row.mailbox_type, "", row.service, row.pp_national_id or None, row.structure_id or None,
        row.dematerialisation, False, False, source, row.row_hash, key, row.profession_code, row.speciality_code,
        fold(row.profession_label)[:200], fold(row.speciality_label)[:200], row.postcode, fold(row.city)[:200], cn,
        fold(family)[:200] if family else cn, fold(given)[:200], fold(row.legal_name or row.trade_name)[:200],
        " ".join(tokens)[:1000], stamp, stamp, None,
    )  # fmt: skip
    return box, tokens


def name_tokens_of(names: Iterable[str]) -> list[str]:
    """The search tokens of a holder (or service) name, sorted, each at most 64 characters."""
    return sorted({t[:64] for t in index_tokens(*names)})


def name_token_rows(mailbox: Row, names: Iterable[str]) -> list[tuple[str, str, str, str]]:
    """Search tokens of one mailbox's holder (or service) name, as (kind, token, sort_key, address); records
    them in the mailbox row (`name_tokens`) so that they can be replaced later."""
    key = mailbox["sort_key"]
    address = mailbox["address"]
    tokens = name_tokens_of(names)
    mailbox["name_tokens"] = " ".join(tokens)[:1000]
    return [("n", t, key, address) for t in tokens]


StoredTokens = tuple[str, str, str]  # (address, sort_key, space-separated tokens) as stored in dir_mailbox


async def delete_name_tokens(conn: AsyncConnection, stored: Sequence[StoredTokens]) -> None:
    """Delete the search tokens of these entries, by primary key."""
    keys = [
        {"k": "n", "t": token, "s": key, "a": address} for address, key, tokens in stored for token in tokens.split()
    ]
    if keys:
        t = name_tokens.c
        condition = (t.kind == bindparam("k")) & (t.token == bindparam("t"))
        condition &= (t.sort_key == bindparam("s")) & (t.address == bindparam("a"))
        await conn.execute(delete(name_tokens).where(condition), keys)


def organisation_token_rows(national_id: str, legal_name: str, trade_name: str) -> list[tuple[str, str]]:
    """Search tokens of a structure's legal and trade names, as (token, national id)."""
    return [(t[:64], national_id) for t in index_tokens(legal_name, trade_name)]


class _Prepared:
    """An INSERT compiled once for a dialect: its SQL text, parameter order and bind processors."""

    def __init__(self, conn: AsyncConnection, stmt: Insert, table: Table, columns: Sequence[str]) -> None:
        dialect = conn.dialect
        compiled = stmt.compile(dialect=dialect, column_keys=list(columns))
        self.sql = compiled.string
        order = compiled.positiontup or list(columns)
        processors: list[Callable[[Any], Any] | None] = [
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
        ]
        self.order = order
        self.processors = processors

    def tuples(self, rows: Sequence[Row]) -> list[tuple[Any, ...]]:
        get = itemgetter(*self.order)
        values = [get(r) for r in rows] if len(self.order) > 1 else [(get(r),) for r in rows]
        converted = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        if not converted:
            return values
        memo: dict[Any, Any] = {}  # a batch shares its timestamps: convert each value once

        def convert(value: Any, process: Callable[[Any], Any]) -> Any:
            key = (value, process)
            if key not in memo:
                memo[key] = process(value)
            return memo[key]

        out = []
        for row in values:
            items = list(row)
            for i, process in converted:
                items[i] = convert(items[i], process)
            out.append(tuple(items))
        return out


def _insert(conn: AsyncConnection, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def upsert(conn: AsyncConnection, table: Table, rows: Sequence[Row], keep: Iterable[str] = ()) -> None:
    """Insert `rows`, or update every column of an existing row (but its key and the `keep` columns)."""
    if not rows:
        return
    stmt = _insert(conn, table)
    key = [c.name for c in table.primary_key.columns]
    frozen = set(key) | set(keep)
    stmt = stmt.on_conflict_do_update(
        index_elements=key, set_={c: stmt.excluded[c] for c in rows[0] if c not in frozen}
    )
    prepared = _Prepared(conn, stmt, table, list(rows[0]))
    await conn.exec_driver_sql(prepared.sql, prepared.tuples(rows))


async def insert_ignoring(conn: AsyncConnection, table: Table, row: Row) -> None:
    """Insert one row unless its key exists already."""
    await conn.execute(_insert(conn, table).values(row).on_conflict_do_nothing())


async def insert_tuples(conn: AsyncConnection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows given in column order, skipping those whose key exists already."""
    if not rows:
        return
    stmt = _insert(conn, table).on_conflict_do_nothing()
    columns = [c.name for c in table.columns][: len(rows[0])]
    prepared = _Prepared(conn, stmt, table, columns)
    index = [columns.index(name) for name in prepared.order]
    if index != list(range(len(columns))):
        rows = [tuple(r[i] for i in index) for r in rows]
    await conn.exec_driver_sql(prepared.sql, list(rows))


def bound(conn: AsyncConnection, column: Column[Any], value: Any) -> Any:
    """`value` as the driver receives it for `column` (SQLite's dialect, for one, binds timestamps as text)."""
    process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return value if process is None else process(value)


def _column_order_sql(conn: AsyncConnection, stmt: Insert, table: Table) -> str:
    compiled = stmt.compile(dialect=conn.dialect, column_keys=[c.name for c in table.columns])
    if compiled.positiontup is not None and list(compiled.positiontup) != [c.name for c in table.columns]:
        raise AssertionError(f"{table.name}: parameters out of column order")  # pragma: no cover
    return compiled.string


def upsert_sql(conn: AsyncConnection, table: Table, keep: Iterable[str] = ()) -> str:
    """INSERT of a row in column order that updates every column of an existing row but its key and `keep`."""
    stmt = _insert(conn, table)
    frozen = {c.name for c in table.primary_key.columns} | set(keep)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in frozen},
    )
    return _column_order_sql(conn, stmt, table)


def insert_sql(conn: AsyncConnection, table: Table, *, ignore_existing: bool = False) -> str:
    """INSERT of a row in column order; with `ignore_existing`, a row whose key exists is skipped."""
    stmt = _insert(conn, table)
    return _column_order_sql(conn, stmt.on_conflict_do_nothing() if ignore_existing else stmt, table)


class EntryWriter:
    """Writes batches of extraction entries given as tuples in column order whose values are already in
    database form (`bound`): one executemany per table and batch, over statements compiled once for the
    connection's dialect. Search tokens go to `token_table` (`dir_name_token`, or a staging table with the
    same columns that the caller moves over in one sorted pass). It never commits."""

    def __init__(
        self, conn: AsyncConnection, token_table: Table = name_tokens, *, organisation_tokens_exist: bool = True
    ) -> None:
        self.conn = conn
        self.organisation_tokens_exist = organisation_tokens_exist  # False on a first import: nothing to replace
        self.practitioners = upsert_sql(conn, practitioners)
        self.organisations = upsert_sql(conn, organisations)
        self.organisation_tokens = insert_sql(conn, organisation_tokens, ignore_existing=True)
        self.mailboxes = upsert_sql(conn, mailboxes, keep=("created_at",))
        self.tokens = insert_sql(conn, token_table, ignore_existing=token_table is name_tokens)

    async def write(
        self,
        people: Sequence[tuple[Any, ...]],
        structures: Sequence[tuple[Any, ...]],
        boxes: Sequence[tuple[Any, ...]],
        tokens: Sequence[tuple[str, str, str, str]],
        replaced: Sequence[StoredTokens] = (),
    ) -> None:
        """Upsert a batch of entries and their search tokens; `replaced` holds the stored tokens of the
        mailboxes that existed before, which go first."""
        conn = self.conn
        people = _last_per_key(people)
        structures = _last_per_key(structures)
        if people:
            await conn.exec_driver_sql(self.practitioners, people)
        if structures:
            await conn.exec_driver_sql(self.organisations, structures)
            if self.organisation_tokens_exist:
                await delete_where_in(conn, organisation_tokens, "national_id", [s[0] for s in structures])
            rows = [t for s in structures for t in organisation_token_rows(s[0], s[2], s[3])]
            if rows:
                await conn.exec_driver_sql(self.organisation_tokens, rows)
        if boxes:
            await conn.exec_driver_sql(self.mailboxes, list(boxes))
        await delete_name_tokens(conn, replaced)
        if tokens:
            await conn.exec_driver_sql(self.tokens, list(tokens))


class KeyLookup:
    """`SELECT columns WHERE key IN (...)` over a list of keys, in chunks of at most `PARAMETER_CHUNK`, compiled
    once per chunk length for the connection's dialect and run as driver SQL (an expanding IN re-renders its
    2,000 parameters at every execution). Values come back as the driver gives them (no type processing)."""

    def __init__(self, conn: AsyncConnection, columns: Sequence[Any], key: Any) -> None:
        self.conn = conn
        self.columns = list(columns)
        self.key = key
        self.sql: dict[int, str] = {}

    def _sql(self, count: int) -> str:
        if count not in self.sql:
            names = [f"k{i}" for i in range(count)]
            stmt = select(*self.columns).where(self.key.in_([bindparam(name) for name in names]))
            compiled = stmt.compile(dialect=self.conn.dialect)
            if compiled.positiontup is not None and list(compiled.positiontup) != names:
                raise AssertionError("keys out of order")  # pragma: no cover
            self.sql[count] = compiled.string
        return self.sql[count]

    async def rows(self, keys: Sequence[str]) -> list[Any]:
        found: list[Any] = []
        for start in range(0, len(keys), PARAMETER_CHUNK):
            chunk = tuple(keys[start : start + PARAMETER_CHUNK])
            size = min(1 << (len(chunk) - 1).bit_length(), PARAMETER_CHUNK)  # a few lengths, so a few statements
            chunk += chunk[-1:] * (size - len(chunk))  # a repeated key changes nothing to IN
            found.extend(await self.conn.exec_driver_sql(self._sql(size), chunk))
        return found


async def stored_tokens(conn: AsyncConnection, addresses: Sequence[str]) -> list[StoredTokens]:
    m = mailboxes.c
    found: list[StoredTokens] = []
    for start in range(0, len(addresses), PARAMETER_CHUNK):
        chunk = addresses[start : start + PARAMETER_CHUNK]
        rows = await conn.execute(select(m.address, m.sort_key, m.name_tokens).where(m.address.in_(chunk)))
        found.extend((a, k, t) for a, k, t in rows)
    return found


async def delete_where_in(conn: AsyncConnection, table: Table, column: str, values: Sequence[str]) -> None:
    for start in range(0, len(values), PARAMETER_CHUNK):
        chunk = values[start : start + PARAMETER_CHUNK]
        await conn.execute(delete(table).where(table.c[column].in_(chunk)))


def _last_per_key(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One row per key, its first column (the last row wins): an upsert batch must not touch the same row
    twice (PostgreSQL)."""
    return list({r[0]: r for r in rows if r[0]}.values())
