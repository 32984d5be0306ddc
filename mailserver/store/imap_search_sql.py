"""Translating store search criteria to SQL over a folder's rows, exactly where SQL can say it.

Owns the WHERE clause of SEARCH, SORT and THREAD. Every leaf is two-valued (never NULL, so NOT is sound), and
each translation is a superset and a subset of the answer, one clause where it is exact. Text tests are substring
tests on casefolded text (see `imap_schema`):
- SQLite: a needle of 3 characters or more goes through the FTS5 trigram index (a phrase query there is an exact
  substring test); shorter needles use instr() on the column (also exact, without the index). Message text and
  search fields the deferred indexer has not reached yet (ids above its watermark, `imap_textindex`) are tested
  with instr();
- PostgreSQL: `LIKE '%needle%'` on the column (exact; the pg_trgm GIN index serves it when the planner wants).
  Header text still `pending` (not yet in the partial GIN indexes, `imap_textindex`) is tested apart, as exactly;
- both: a `pending` row has no body text yet (the indexer extracts it after the commit), so a body test is a
  superset (the pending rows may match) and a subset (the matches among the others); `imap_search` re-checks the
  pending candidates against the text of their blobs;
HEADER name value cannot be exact here (the value must lie in that field's line): SQL keeps a superset (both the
name and the value occur in the header text; an empty subset) and `imap_search_check` re-tests the candidates. So
do UID sets of more than a few hundred separate runs (a bounding range here); many single UIDs go as one JSON or
array parameter. NOT swaps superset and subset, so the WHERE clause is always a superset and the rows the subset
holds need no re-check.
Never runs a query.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    any_,
    column,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnClause

from mailserver.store.imap_criteria import (
    All,
    And,
    Criterion,
    DateIs,
    DateOf,
    DateTest,
    FieldContains,
    HasFlag,
    HeaderContains,
    ModSeqAtLeast,
    Not,
    Or,
    SizeIs,
    TextContains,
    UidIn,
)
from mailserver.store.imap_index import fold
from mailserver.store.imap_schema import FTS_TABLES, message_search, message_text
from mailserver.store.imap_textindex import PROGRESS_TABLE
from mailserver.store.imap_uidsets import MAX_SINGLES, MAX_TERMS, normalised
from mailserver.store.schema import folder_messages, messages

TRIGRAM = 3  # shortest needle the trigram indexes can serve
_BLANKS = re.compile(r"\s+")
_FTS = {name: table(fts, column("rowid"), column(fts)) for name, fts in FTS_TABLES.items()}
_PROGRESS = table(PROGRESS_TABLE, column("upto"))
_INDEXED_UPTO = select(_PROGRESS.c.upto).scalar_subquery()


def body_needle(value: str) -> str:
    """The needle for the body text, which is stored with its blanks collapsed (mailserver.message.bodytext)."""
    return _BLANKS.sub(" ", fold(value))


Bounds = tuple[ColumnElement[bool], ColumnElement[bool] | None]  # (superset, subset); subset None: exact


@dataclass
class Translation:
    """What a criterion needs: the joins, and the columns a Python re-check would read.

    Each part translates to two clauses: a superset of the messages that satisfy it (the WHERE clause) and a
    subset (`sure`: those need no re-check); where the SQL is exact, the two are one. NOT swaps them. With
    `unextracted`, the store holds text rows whose body text the indexer has not extracted yet (`pending`): a
    body test is then only sure of the other rows, and the pending ones are candidates (re-checked against the
    text of their blobs, `imap_search`)."""

    dialect: str
    timezone: dt.tzinfo
    unextracted: bool = False
    needs_messages: bool = False
    needs_search: bool = False
    needs_text: bool = False
    sure: ColumnElement[bool] | None = None  # the subset, when not exact
    check_columns: set[str] = field(default_factory=set)

    @property
    def exact(self) -> bool:
        return self.sure is None

    def clause(self, criterion: Criterion) -> ColumnElement[bool]:
        upper, self.sure = self._translate(criterion)
        return upper

    def _translate(self, node: Criterion) -> Bounds:
        self.check_columns.update(_columns_of(node))
        if isinstance(node, Not):
            upper, lower = self._translate(node.criterion)
            return (not_(upper), None) if lower is None else (not_(lower), not_(upper))
        if isinstance(node, Or | And):
            parts = [self._translate(c) for c in ((node.left, node.right) if isinstance(node, Or) else node.criteria)]
            join = or_ if isinstance(node, Or) else and_
            base = (false(),) if isinstance(node, Or) else (true(),)
            upper = join(*base, *(u for u, _ in parts))
            if all(lower is None for _, lower in parts):
                return upper, None
            return upper, join(*base, *(u if lower is None else lower for u, lower in parts))
        return self._leaf(node)

    def _leaf(self, node: Criterion) -> Bounds:
        if isinstance(node, All):
            return true(), None
        if isinstance(node, HasFlag):
            spaced = func.lower(" " + folder_messages.c.flags + " ")
            found = self._probe(spaced, f" {node.flag.lower()} ")
            return (found if node.present else not_(found)), None
        if isinstance(node, FieldContains):
            return self._contains(message_search.c[node.field.value], fold(node.value)), None
        if isinstance(node, HeaderContains):
            name = self._contains(message_text.c.header_text, f"\n{node.name.lower()}:")
            if not node.value:
                return name, false()
            return and_(name, self._contains(message_text.c.header_text, fold(node.value))), false()
        if isinstance(node, TextContains):
            needle = body_needle(node.value)
            body = self._contains(message_text.c.body_text, needle)
            unsure = bool(needle) and self.unextracted  # a pending row's body text is empty: it may hold the needle
            upper = or_(body, message_text.c.pending.is_(True)) if unsure else body
            if node.include_header:
                header = self._contains(message_text.c.header_text, fold(node.value))
                upper, body = or_(upper, header), or_(body, header)
            return upper, (body if unsure else None)
        if isinstance(node, DateIs):
            return self._date(node), None
        if isinstance(node, SizeIs):
            self.needs_messages = True
            size = messages.c.size
            return (size > node.octets if node.larger else size < node.octets), None
        if isinstance(node, UidIn):
            return self._uids(normalised(node.ranges))
        assert isinstance(node, ModSeqAtLeast)
        return folder_messages.c.modseq >= node.modseq, None  # RFC 7162 §3.1.5: "equal to or greater"

    def _uids(self, ranges: list[tuple[int, int]]) -> Bounds:
        """UIDs in `ranges`: exact unless there are very many separate runs (then bounded, re-checked)."""
        uid = folder_messages.c.uid
        if not ranges:
            return false(), None
        runs = [(first, last) for first, last in ranges if first != last]
        if len(runs) > MAX_TERMS:
            return uid.between(ranges[0][0], ranges[-1][1]), false()
        singles = [first for first, last in ranges if first == last]
        parts: list[ColumnElement[bool]] = [uid.between(first, last) for first, last in runs]
        if len(singles) > MAX_SINGLES:  # one parameter however many: a JSON text or an array
            if self.dialect == "postgresql":
                parts.append(uid == any_(literal(singles, ARRAY(BigInteger))))
            else:
                listed = func.json_each(literal(json.dumps(singles))).table_valued("value")
                parts.append(uid.in_(select(listed.c.value)))
        elif singles:
            parts.append(uid.in_(singles))
        return or_(*parts), None

    def _probe(self, haystack: ColumnElement[str], needle: str) -> ColumnElement[bool]:
        found: ColumnElement[bool] = (
            func.instr(haystack, needle) > 0 if self.dialect == "sqlite" else func.strpos(haystack, needle) > 0
        )
        return found

    def _contains(self, col: ColumnClause[Any], needle: str) -> ColumnElement[bool]:
        """`needle` occurs in the search column (NULL, i.e. no search row, never matches)."""
        if col.table is message_text:
            self.needs_text = True
        else:
            self.needs_search = True
        present = col.is_not(None)
        if not needle:
            return present
        if self.dialect == "postgresql":
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = col.like(f"%{escaped}%", escape="\\")
            if col.table is not message_text:
                return and_(present, like)
            # The same test, split so that each half can use its partial index: the GIN index holds the rows the
            # deferred indexer has reached, the pending ones are tested one by one (`imap_textindex`).
            pending = message_text.c.pending
            return and_(present, or_(and_(not_(pending), like), and_(pending, like)))
        if len(needle) < TRIGRAM:
            return and_(present, func.instr(col, needle) > 0)
        phrase = '"' + needle.replace('"', '""') + '"'
        content = "message_text" if col.table is message_text else "message_search"
        indexed = select_fts(content, f"{col.name} : {phrase}")
        # The rows above the indexer's watermark are not in the index yet: test them directly (an exact test too).
        # One IN over both halves, not an OR of two tests: with OR, SQLite stopped driving the query from the
        # index hits and read the text row of every message in the folder (100k messages: 40 -> 170 ms).
        key = message_text.c.message_id if content == "message_text" else message_search.c.message_id
        tail = select(key).where(key > _INDEXED_UPTO, func.instr(col, needle) > 0).correlate(None)
        return folder_messages.c.message_id.in_(union_all(indexed, tail))

    def _date(self, node: DateIs) -> ColumnElement[bool]:
        if node.of is DateOf.SENT:  # RFC 3501 §6.4.4: the Date header's own day, time and zone disregarded
            self.needs_search = True
            sent = message_search.c.sent_on
            tests = {DateTest.BEFORE: sent < node.day, DateTest.ON: sent == node.day, DateTest.SINCE: sent >= node.day}
            return and_(sent.is_not(None), tests[node.test])
        start, end = day_bounds(node.day, self.timezone)
        when = folder_messages.c.internal_date
        if node.test is DateTest.BEFORE:
            return when < start
        if node.test is DateTest.ON:
            return and_(when >= start, when < end)
        return when >= start


def select_fts(content: str, query: str) -> Select[tuple[int]]:
    """Message ids the FTS5 index of the table `content` matches for an FTS5 query (bound, never inlined)."""
    fts = _FTS[content]
    return select(fts.c.rowid).where(fts.c[FTS_TABLES[content]].op("MATCH")(literal(query)))


def day_bounds(day: dt.date, timezone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which `day` begins and ends in `timezone` (INTERNALDATE comparisons)."""
    start = dt.datetime.combine(day, dt.time(0), timezone).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), timezone).astimezone(dt.UTC)
    return start, end


def _columns_of(node: Criterion) -> set[str]:
    """Search-row columns a Python re-check of this leaf reads."""
    if isinstance(node, FieldContains):
        return {node.field.value}
    if isinstance(node, HeaderContains):
        return {"header_text"}
    if isinstance(node, TextContains):
        return {"body_text", "header_text"} if node.include_header else {"body_text"}
    if isinstance(node, DateIs) and node.of is DateOf.SENT:
        return {"sent_on"}
    return set()
