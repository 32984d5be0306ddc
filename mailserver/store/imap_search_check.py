"""Re-testing candidate messages in Python, for criteria SQL could only bound (HEADER, very large UID sets).

Owns the exact meaning of every criterion over one message's stored values, the same meaning the SQL of
`imap_search_sql` has where it is exact: casefolded substring tests, flags compared without case, INTERNALDATE
days in the searcher's time zone, the Date header's own day. Pure: never touches the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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


def header_has(header_text: str | None, name: str, value: str) -> bool:
    """HEADER name value over the stored header text ("\\nname: value" lines)."""
    if header_text is None:
        return False
    prefix = name.lower() + ": "
    needle = fold(value)
    return any(line.startswith(prefix) and needle in line[len(prefix) :] for line in header_text.split("\n"))


def _has(text: str | None, needle: str) -> bool:
    return text is not None and needle in text


def matches(node: Criterion, row: Row, timezone: dt.tzinfo) -> bool:
    """Whether the message `row` satisfies `node`."""
    if isinstance(node, All):
        return True
    if isinstance(node, HasFlag):
        return has_flag(row["flags"], node.flag) == node.present
    if isinstance(node, FieldContains):
        return _has(row[node.field.value], fold(node.value))
    if isinstance(node, HeaderContains):
        return header_has(row["header_text"], node.name, node.value)
    if isinstance(node, TextContains):
        if _has(row["body_text"], body_needle(node.value)):
            return True
        return node.include_header and _has(row["header_text"], fold(node.value))
    if isinstance(node, DateIs):
        return _date_matches(node, row, timezone)
    if isinstance(node, SizeIs):
        return bool(row["size"] > node.octets if node.larger else row["size"] < node.octets)
    if isinstance(node, UidIn):
        return in_ranges(normalised(node.ranges), row["uid"])
    if isinstance(node, ModSeqAtLeast):
        return bool(row["modseq"] >= node.modseq)
    if isinstance(node, Not):
        return not matches(node.criterion, row, timezone)
    if isinstance(node, Or):
        return matches(node.left, row, timezone) or matches(node.right, row, timezone)
    assert isinstance(node, And)
    return all(matches(c, row, timezone) for c in node.criteria)


def _date_matches(node: DateIs, row: Row, timezone: dt.tzinfo) -> bool:
    if node.of is DateOf.SENT:
        sent: dt.date | None = row["sent_on"]
        if sent is None:
            return False
        return {DateTest.BEFORE: sent < node.day, DateTest.ON: sent == node.day, DateTest.SINCE: sent >= node.day}[
            node.test
        ]
    start, end = day_bounds(node.day, timezone)
    when: dt.datetime = row["internal_date"]
    if node.test is DateTest.BEFORE:
        return when < start
    if node.test is DateTest.ON:
        return start <= when < end
    return when >= start
