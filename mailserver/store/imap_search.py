"""SEARCH, SORT and THREAD data for one folder, from the search rows written at delivery.

Owns running the translated criteria (`imap_search_sql`) as one query per call, re-checking candidates in Python
when the SQL was only a superset (`imap_search_check`; a candidate the SQL is sure of is kept as it is), giving
that check the body text of the messages whose text the indexer has not extracted yet (read from their blobs,
`MailStore.search_texts`), SORT's order in SQL (RFC 5256 §3: each key compared as
RFC 5256 says, ties broken by UID, REVERSE on a key only) and the per-message data THREAD=REFERENCES and
ORDEREDSUBJECT need (the threading itself is the IMAP layer's). INTERNALDATE days are taken in `timezone`.
`max_uid` limits results to the messages the session already knows. Never writes.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.imap_criteria import And, Criterion, Not, Or, SortBy, SortKey, TextContains
from mailserver.store.imap_index import TEXT_COLUMNS
from mailserver.store.imap_messages import utc
from mailserver.store.imap_records import SearchResult, ThreadRow
from mailserver.store.imap_schema import message_search, message_text
from mailserver.store.imap_search_check import compile_check
from mailserver.store.imap_search_sql import Translation
from mailserver.store.schema import folder_messages, messages

_BASE = (folder_messages.c.uid, folder_messages.c.modseq)
_CHECK_BASE = (folder_messages.c.flags, folder_messages.c.internal_date, messages.c.size)
# Any text not extracted yet? Written as the partial index of pending ids is (migrations 0330, 0360), to use it.
_UNEXTRACTED = text("SELECT 1 FROM message_text WHERE pending LIMIT 1")
_PENDING_ROW = (folder_messages.c.message_id.label("text_message_id"), message_text.c.pending.label("text_pending"))

Texts = Callable[[Collection[int]], Awaitable[dict[int, str]]]  # message ids -> body text (`search_texts`)
TEXT_BATCH = 200  # pending candidates whose text is read and held at once...
TEXT_BATCH_OCTETS = 32 * 1024 * 1024  # ... and how much of their messages (at least one), whatever their size


class Searcher:
    def __init__(self, engine: AsyncEngine, texts: Texts, *, timezone: dt.tzinfo = dt.UTC) -> None:
        self._engine = engine
        self._texts = texts
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
        async with self._engine.connect() as conn:
            unextracted = False
            if _tests_body(criterion):
                if self._engine.dialect.name == "postgresql":  # the pending test and the query: one snapshot
                    await conn.execution_options(isolation_level="REPEATABLE READ")
                unextracted = (await conn.execute(_UNEXTRACTED)).first() is not None
            plan = Translation(self._engine.dialect.name, self._timezone, unextracted)
            where = plan.clause(criterion)
            columns: list[ColumnElement[Any]] = [*_BASE, *extra]
            if plan.sure is not None:
                columns += [
                    plan.sure.label("sure"),
                    *_CHECK_BASE,
                    *(self._check_column(name, plan.sure) for name in sorted(plan.check_columns)),
                ]
                if unextracted:
                    columns += _PENDING_ROW
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
            result = await conn.execute(query)
            keys = list(result.keys())
            rows: Sequence[Sequence[Any]] = result.all()
        if plan.exact:
            return rows
        return await self._recheck(criterion, keys, rows)

    @staticmethod
    def _check_column(name: str, sure: ColumnElement[bool]) -> ColumnElement[Any]:
        """A column the re-check reads; big texts only for the rows the SQL is not sure of."""
        column = _search_column(name)
        return case((sure, None), else_=column).label(name) if name in TEXT_COLUMNS else column

    async def _recheck(self, criterion: Criterion, keys: list[str], rows: Sequence[Sequence[Any]]) -> list[Any]:
        """The candidate rows that satisfy `criterion`, tested in Python where the SQL was not sure; the body text
        of pending candidates is read from their blobs a batch at a time (only one batch is held: `_batches`)."""
        named = [dict(zip(keys, row, strict=True)) for row in rows]
        check = compile_check(criterion, self._timezone)
        keep = [False] * len(rows)
        waiting: list[int] = []  # pending candidates: their body text is in their blobs only
        for i, values in enumerate(named):
            if values["sure"]:
                keep[i] = True
                continue
            values["internal_date"] = utc(values["internal_date"])
            if values.get("text_pending"):
                waiting.append(i)
            else:
                keep[i] = check(values)
        for part in _batches(waiting, [named[i]["size"] for i in waiting]):
            texts = await self._texts([named[i]["text_message_id"] for i in part])
            for i in part:
                named[i]["body_text"] = texts.get(named[i]["text_message_id"], "")
                keep[i] = check(named[i])
                named[i]["body_text"] = None
        return [row for row, kept in zip(rows, keep, strict=True) if kept]


def _batches(items: list[int], sizes: list[int]) -> Iterator[list[int]]:
    """`items` in runs of at most TEXT_BATCH and about TEXT_BATCH_OCTETS of `sizes` (at least one each)."""
    part: list[int] = []
    octets = 0
    for item, size in zip(items, sizes, strict=True):
        if part and (len(part) >= TEXT_BATCH or octets + size > TEXT_BATCH_OCTETS):
            yield part
            part, octets = [], 0
        part.append(item)
        octets += size
    if part:
        yield part


def _tests_body(node: Criterion) -> bool:
    """Whether `node` tests the body text anywhere (BODY or TEXT with a needle)."""
    if isinstance(node, TextContains):
        return bool(node.value)
    if isinstance(node, Not):
        return _tests_body(node.criterion)
    if isinstance(node, Or):
        return _tests_body(node.left) or _tests_body(node.right)
    return isinstance(node, And) and any(_tests_body(c) for c in node.criteria)


def _search_column(name: str) -> ColumnElement[Any]:
    return message_text.c[name] if name in TEXT_COLUMNS else message_search.c[name]


def _uses(column: ColumnElement[Any], table_name: str) -> bool:
    return any(getattr(t, "name", None) == table_name for t in column._from_objects)
