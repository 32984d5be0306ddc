"""Running the hot path's fixed statements with as little Python as possible per execution.

Owns `Runner`, the three operations the group-commit writer needs (first row, insert returning the new key,
plain execute) over one write transaction:
- `SqlAlchemyRunner` runs them through SQLAlchemy, on any other connection (the reference the raw runner is
  tested against; PostgreSQL's batches go to asyncpg directly, see mail_postgres);
- `SqliteRunner` runs them straight on the sqlite3 connection, with the SQL text and the bind processors that
  SQLAlchemy compiled once per statement and set of keys. Through `Connection.execute` each statement cost about
  50 µs of Python holding the GIL (cache key, execution context, result object): 22 % of the server's GIL time
  at 4 KB (py-spy --gil), in the writer thread, competing with the event loop.

Rows come back as plain tuples of the driver's values: read only integer columns this way (no result
processing is applied). Statements must be module-level constants: the compiled cache keys on their identity.
Never builds SQL from data: values are always bound.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Executable


class Runner(Protocol):
    def first(self, stmt: Executable, params: Mapping[str, Any]) -> tuple[Any, ...] | None: ...
    def insert(self, stmt: Executable, params: Mapping[str, Any]) -> int: ...
    def run(self, stmt: Executable, params: Mapping[str, Any]) -> None: ...


class SqlAlchemyRunner:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def first(self, stmt: Executable, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        row = self._conn.execute(stmt, dict(params)).first()
        return None if row is None else tuple(row)

    def insert(self, stmt: Executable, params: Mapping[str, Any]) -> int:
        key = self._conn.execute(stmt, dict(params)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def run(self, stmt: Executable, params: Mapping[str, Any]) -> None:
        self._conn.execute(stmt, dict(params))


_Processor = Callable[[Any], Any]


class _Compiled:
    """One statement compiled for SQLite (qmark parameters): its SQL text and how to turn params into args."""

    __slots__ = ("_order", "sql")

    def __init__(self, stmt: Executable, keys: tuple[str, ...], dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
        self.sql: str = compiled.string
        self._order: list[tuple[str, Any, _Processor | None]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            fixed = None if name in keys else bind.effective_value  # literals inside the statement (`uidnext + 1`)
            self._order.append((name, fixed, bind.type.dialect_impl(dialect).bind_processor(dialect)))

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, fixed, process in self._order:
            value = params.get(name, fixed)
            out.append(value if process is None or value is None else process(value))
        return out


class SqliteRunner:
    """Statements on the raw sqlite3 connection inside the caller's SQLAlchemy transaction (same connection)."""

    def __init__(self, conn: Connection, cache: dict[tuple[int, tuple[str, ...]], _Compiled]) -> None:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection), "a sqlite3 connection (the batch writer's), not aiosqlite"
        self._raw = raw
        self._dialect = conn.dialect
        self._cache = cache  # shared across transactions: compile once per statement and set of keys

    def _compiled(self, stmt: Executable, params: Mapping[str, Any]) -> _Compiled:
        keys = tuple(params)
        key = (id(stmt), keys)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = _Compiled(stmt, keys, self._dialect)
        return found

    def first(self, stmt: Executable, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        c = self._compiled(stmt, params)
        row = self._raw.execute(c.sql, c.args(params)).fetchone()
        return None if row is None else tuple(row)

    def insert(self, stmt: Executable, params: Mapping[str, Any]) -> int:
        c = self._compiled(stmt, params)
        key = self._raw.execute(c.sql, c.args(params)).lastrowid
        assert key is not None
        return key

    def run(self, stmt: Executable, params: Mapping[str, Any]) -> None:
        c = self._compiled(stmt, params)
        self._raw.execute(c.sql, c.args(params))


def runner(conn: Connection, cache: dict[tuple[int, tuple[str, ...]], _Compiled]) -> Runner:
    """The fastest runner for `conn`: the raw one on a sqlite3 connection (the batch writer's), else SQLAlchemy
    (aiosqlite under `run_sync`, or PostgreSQL, whose connections are not sqlite3 ones)."""
    if isinstance(conn.connection.driver_connection, sqlite3.Connection):
        return SqliteRunner(conn, cache)
    return SqlAlchemyRunner(conn)
