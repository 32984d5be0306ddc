"""Writing directory entries: the rows of a mailbox, its practitioner, its organisation and its search tokens.

Owns the mapping from an extraction row or a local mailbox to table rows, and the bulk writes that both the
importer and the local-mailbox service use: one executemany per table and batch, compiled once per dialect and
fed plain tuples (the per-row work of the ORM layer is what made 535,000 lines slow). It never commits:
callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from directory.extraction import ExtractionRow
from directory.models import mailboxes, name_tokens, organisation_tokens, organisations, practitioners
from directory.normalise import fold, index_tokens, sort_key

Row = dict[str, Any]
PARAMETER_CHUNK = 2000  # values per IN (...) list: well under SQLite's and asyncpg's bind limits


def practitioner_row(row: ExtractionRow, now: datetime) -> Row:
    return {
        "national_id": row.pp_national_id,
        "id_type": row.pp_id_type,
        "civility": row.civility,
        "family_name": row.family_name,
        "given_name": row.given_name,
        "category_code": row.category_code,
        "category_label": row.category_label,
        "profession_code": row.profession_code,
        "profession_label": row.profession_label,
        "speciality_code": row.speciality_code,
        "speciality_label": row.speciality_label,
        "sort_key": sort_key(row.family_name, row.given_name),
        "updated_at": now,
    }


def organisation_row(row: ExtractionRow, now: datetime) -> Row:
    values: Row = {
        "national_id": row.structure_id,
        "id_type": row.structure_id_type,
        "legal_name": row.legal_name,
        "trade_name": row.trade_name,
        "postcode": row.postcode,
        "city": row.city,
        "department": row.department,
        "country": row.country,
        "name_norm": fold(row.legal_name or row.trade_name)[:200],
        "updated_at": now,
    }
    for i, line in enumerate(row.address_lines, start=1):
        values[f"address_{i}"] = line
    return values


def mailbox_row(row: ExtractionRow, source: str, now: datetime) -> Row:
    person = f"{row.given_name} {row.family_name}".strip()
    display = person or row.service or row.legal_name or row.address
    cn = fold(display)[:200]
    return {
        "address": row.address,
        "type": row.mailbox_type,
        "description": "",
        "service": row.service,
        "practitioner_id": row.pp_national_id or None,
        "organisation_id": row.structure_id or None,
        "dematerialisation": row.dematerialisation,
        "liste_rouge": False,
        "is_local": False,
        "source": source,
        "row_hash": row.row_hash,
        "sort_key": sort_key(row.family_name, row.given_name) if person else cn,
        "profession_code": row.profession_code,
        "speciality_code": row.speciality_code,
        "profession_norm": fold(row.profession_label)[:200],
        "speciality_norm": fold(row.speciality_label)[:200],
        "postcode": row.postcode,
        "city_norm": fold(row.city)[:200],
        "cn_norm": cn,
        "sn_norm": fold(row.family_name)[:200] if row.family_name else cn,
        "given_norm": fold(row.given_name)[:200],
        "o_norm": fold(row.legal_name or row.trade_name)[:200],
        "created_at": now,
        "updated_at": now,
        "gone_at": None,
    }


def name_token_rows(mailbox: Row, names: Iterable[str]) -> list[tuple[str, str, str, str]]:
    """Search tokens of one mailbox's holder (or service) name, as (kind, token, sort_key, address); records
    them in the mailbox row (`name_tokens`) so that they can be replaced later."""
    key = mailbox["sort_key"]
    address = mailbox["address"]
    tokens = sorted({t[:64] for t in index_tokens(*names)})
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


def organisation_token_rows(organisation: Row) -> list[tuple[str, str]]:
    return [
        (t[:64], organisation["national_id"])
        for t in index_tokens(organisation["legal_name"], organisation["trade_name"])
    ]


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


async def write_entries(
    conn: AsyncConnection,
    people: Sequence[Row],
    structures: Sequence[Row],
    boxes: Sequence[Row],
    tokens: Sequence[tuple[str, str, str, str]],
    replaced: Sequence[StoredTokens] = (),
) -> None:
    """Upsert a batch of entries and their search tokens; `replaced` holds the stored tokens of the mailboxes
    that existed before, which go first."""
    people = _last_per_key(people, "national_id")
    structures = _last_per_key(structures, "national_id")
    await upsert(conn, practitioners, people)
    await upsert(conn, organisations, structures)
    await delete_where_in(conn, organisation_tokens, "national_id", [s["national_id"] for s in structures])
    await insert_tuples(conn, organisation_tokens, [t for s in structures for t in organisation_token_rows(s)])
    await upsert(conn, mailboxes, boxes, keep=("created_at",))
    await delete_name_tokens(conn, replaced)
    await insert_tuples(conn, name_tokens, tokens)


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


def _last_per_key(rows: Sequence[Row], key: str) -> list[Row]:
    """One row per key (the last one wins): an upsert batch must not touch the same row twice (PostgreSQL)."""
    return list({r[key]: r for r in rows if r[key]}.values())
