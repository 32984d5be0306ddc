"""SEARCH, SORT and THREAD data for one folder, from the search rows written at delivery.

Owns running the translated criteria (`imap_search_sql`) as one query per call, re-checking candidates in Python
when the SQL was only a superset (`imap_search_check`), SORT's order in SQL (RFC 5256 §3: each key compared as
RFC 5256 says, ties broken by UID, REVERSE on a key only) and the per-message data THREAD=REFERENCES and
ORDEREDSUBJECT need (the threading itself is the IMAP layer's). INTERNALDATE days are taken in `timezone`.
`max_uid` limits results to the messages the session already knows. Never writes.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.imap_criteria import Criterion, SortBy, SortKey
from mailserver.store.imap_index import TEXT_COLUMNS
from mailserver.store.imap_messages import utc
from mailserver.store.imap_records import SearchResult, ThreadRow
from mailserver.store.imap_schema import message_search, message_text
from mailserver.store.imap_search_check import compile_check
from mailserver.store.imap_search_sql import Translation
from mailserver.store.schema import folder_messages, messages

_BASE = (folder_messages.c.uid, folder_messages.c.modseq)
_CHECK_BASE = (folder_messages.c.flags, folder_messages.c.internal_date, messages.c.size)


class Searcher:
    def __init__(self, engine: AsyncEngine, *, timezone: dt.tzinfo = dt.UTC) -> None:
        self._engine = engine
        self._timezone = timezone

    async def search(self, folder_id: int, criterion: Criterion, *, max_uid: int | None = None) -> SearchResult:
        """UIDs of the folder's messages that satisfy `criterion`, ascending, with their highest modseq."""
        rows = await self._run(folder_id, criterion, max_uid, (), None)
        uids = array("q", (r[0] for r in rows))
        return SearchResult(uids, max((r[1] for r in rows), default=0))

    async def sort(
        self, folder_id: int, keys: Sequence[SortKey], criterion: Criterion, *, max_uid: int | None = None
    ) -> list[int]:
        """UIDs that satisfy `criterion`, in the order of `keys` (RFC 5256 §3)."""
        order = [self._sort_column(key) for key in keys]
        rows = await self._run(folder_id, criterion, max_uid, (), order)
        return [r[0] for r in rows]

    async def thread_rows(self, folder_id: int, criterion: Criterion, *, max_uid: int | None = None) -> list[ThreadRow]:
        """THREAD input (RFC 5256 §3) for the messages that satisfy `criterion`, in UID order."""
        sent = func.coalesce(message_search.c.sent_at, folder_messages.c.internal_date).label("thread_date")
        extra = (
            messages.c.message_id_header,
            message_search.c.in_reply_to,
            message_search.c.refs,
            message_search.c.base_subject,
            message_search.c.subject_is_reply,
            sent,
        )
        rows = await self._run(folder_id, criterion, max_uid, extra, None)
        return [  # columns: uid, modseq, then `extra` in order
            ThreadRow(
                uid=r[0],
                message_id=r[2],
                in_reply_to=r[3],
                references=tuple((r[4] or "").split()),
                base_subject=r[5] or "",
                subject_is_reply=bool(r[6]),
                sent_at=utc(r[7]),
            )
            for r in rows
        ]

    def _sort_column(self, key: SortKey) -> ColumnElement[Any]:
        columns: dict[SortBy, ColumnElement[Any]] = {
            SortBy.ARRIVAL: folder_messages.c.internal_date,
            SortBy.DATE: func.coalesce(message_search.c.sent_at, folder_messages.c.internal_date),  # RFC 5256 §2.2
            SortBy.SIZE: messages.c.size,
            SortBy.SUBJECT: func.coalesce(message_search.c.base_subject, ""),
            SortBy.FROM: func.coalesce(message_search.c.sort_from, ""),
            SortBy.TO: func.coalesce(message_search.c.sort_to, ""),
            SortBy.CC: func.coalesce(message_search.c.sort_cc, ""),
        }
        column = columns[key.by]
        if self._engine.dialect.name == "postgresql" and key.by in (SortBy.SUBJECT, SortBy.FROM, SortBy.TO, SortBy.CC):
            column = column.collate("C")  # octet order on both backends, as i;ascii-casemap wants
        return column.desc() if key.reverse else column.asc()

    async def _run(
        self,
        folder_id: int,
        criterion: Criterion,
        max_uid: int | None,
        extra: Sequence[ColumnElement[Any]],
        order: list[ColumnElement[Any]] | None,
    ) -> Sequence[Sequence[Any]]:
        """Matching rows as tuples: uid, modseq, then the `extra` columns."""
        plan = Translation(self._engine.dialect.name, self._timezone)
        where = plan.clause(criterion)
        columns: list[ColumnElement[Any]] = [*_BASE, *extra]
        if not plan.exact:
            columns += [*_CHECK_BASE, *(_search_column(name) for name in sorted(plan.check_columns))]
        query: Select[Any] = select(*columns).select_from(folder_messages)
        if plan.needs_messages or not plan.exact or any(_uses(c, "messages") for c in [*extra, *(order or [])]):
            query = query.join(messages, messages.c.id == folder_messages.c.message_id)
        if plan.needs_search or not plan.exact or extra or order:
            query = query.outerjoin(message_search, message_search.c.message_id == folder_messages.c.message_id)
        if plan.needs_text or (not plan.exact and plan.check_columns & set(TEXT_COLUMNS)):
            query = query.outerjoin(message_text, message_text.c.message_id == folder_messages.c.message_id)
        query = query.where(folder_messages.c.folder_id == folder_id).where(where)
        if max_uid is not None:
            query = query.where(folder_messages.c.uid <= max_uid)
        query = query.order_by(*(order or []), folder_messages.c.uid)
        async with self._engine.connect() as conn:
            result = await conn.execute(query)
            keys = list(result.keys())
            rows: Sequence[Sequence[Any]] = result.all()
        if plan.exact:
            return rows
        check = compile_check(criterion, self._timezone)
        kept = []
        for row in rows:
            values = dict(zip(keys, row, strict=True))
            values["internal_date"] = utc(values["internal_date"])
            if check(values):
                kept.append(row)
        return kept


def _search_column(name: str) -> ColumnElement[Any]:
    return message_text.c[name] if name in TEXT_COLUMNS else message_search.c[name]


def _uses(column: ColumnElement[Any], table_name: str) -> bool:
    return any(getattr(t, "name", None) == table_name for t in column._from_objects)
