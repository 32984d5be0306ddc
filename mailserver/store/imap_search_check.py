"""Re-testing candidate messages in Python, for criteria SQL could only bound (HEADER, very large UID sets).

Owns the exact meaning of every criterion over one message's stored values, the same meaning the SQL of
`imap_search_sql` has where it is exact: casefolded substring tests, flags compared without case, INTERNALDATE
days in the searcher's time zone, the Date header's own day. A criterion is compiled once into a predicate (needles
folded, UID sets normalised, day bounds computed), then applied to each candidate. Pure: never touches the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

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
from mailserver.store.imap_flagtext import has_flag
from mailserver.store.imap_index import fold
from mailserver.store.imap_search_sql import body_needle, day_bounds
from mailserver.store.imap_uidsets import contains as in_ranges
from mailserver.store.imap_uidsets import normalised

Row = Mapping[str, Any]  # uid, flags, modseq, internal_date (aware), size, and search-row columns (None if absent)
Check = Callable[[Row], bool]


def header_has(header_text: str | None, name: str, needle: str) -> bool:
    """HEADER name value over the stored header text ("\\nname: value" lines); `needle` already folded."""
    if header_text is None:
        return False
    prefix = name.lower() + ": "
    return any(line.startswith(prefix) and needle in line[len(prefix) :] for line in header_text.split("\n"))


def _has(text: str | None, needle: str) -> bool:
    return text is not None and needle in text


def compile_check(node: Criterion, timezone: dt.tzinfo) -> Check:
    """A predicate telling whether a message row satisfies `node`."""
    if isinstance(node, All):
        return lambda row: True
    if isinstance(node, HasFlag):
        flag, present = node.flag, node.present
        return lambda row: has_flag(row["flags"], flag) == present
    if isinstance(node, FieldContains):
        column, needle = node.field.value, fold(node.value)
        return lambda row: _has(row[column], needle)
    if isinstance(node, HeaderContains):
        name, needle = node.name, fold(node.value)
        return lambda row: header_has(row["header_text"], name, needle)
    if isinstance(node, TextContains):
        in_body, in_header, with_header = body_needle(node.value), fold(node.value), node.include_header
        return lambda row: _has(row["body_text"], in_body) or (with_header and _has(row["header_text"], in_header))
    if isinstance(node, DateIs):
        return _date_check(node, timezone)
    if isinstance(node, SizeIs):
        octets = node.octets
        if node.larger:
            return lambda row: bool(row["size"] > octets)
        return lambda row: bool(row["size"] < octets)
    if isinstance(node, UidIn):
        ranges = normalised(node.ranges)
        return lambda row: in_ranges(ranges, row["uid"])
    if isinstance(node, ModSeqAtLeast):
        least = node.modseq
        return lambda row: bool(row["modseq"] >= least)
    if isinstance(node, Not):
        inner = compile_check(node.criterion, timezone)
        return lambda row: not inner(row)
    if isinstance(node, Or):
        left, right = compile_check(node.left, timezone), compile_check(node.right, timezone)
        return lambda row: left(row) or right(row)
    assert isinstance(node, And)
    parts = [compile_check(c, timezone) for c in node.criteria]
    return lambda row: all(part(row) for part in parts)


def _date_check(node: DateIs, timezone: dt.tzinfo) -> Check:
    if node.of is DateOf.SENT:
        day, test = node.day, node.test

        def sent(row: Row) -> bool:
            value: dt.date | None = row["sent_on"]
            if value is None:
                return False
            return value < day if test is DateTest.BEFORE else value == day if test is DateTest.ON else value >= day

        return sent
    start, end = day_bounds(node.day, timezone)
    if node.test is DateTest.BEFORE:
        return lambda row: bool(row["internal_date"] < start)
    if node.test is DateTest.ON:
        return lambda row: bool(start <= row["internal_date"] < end)
    return lambda row: bool(row["internal_date"] >= start)
