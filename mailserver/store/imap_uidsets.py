"""UID sets in SQL: conditions for inclusive UID intervals, batched so no statement grows without bound.

Owns turning `[(first, last), ...]` (a NumberSet's intervals) into WHERE clauses: single UIDs as one IN list,
runs as BETWEEN. Every caller with an unbounded set goes through `batches`, so a statement never carries more
than a few hundred terms (SQLite's expression depth and both drivers' parameter limits stay far away).
Never touches the database itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.sql.elements import ColumnClause

MAX_TERMS = 200  # single UIDs plus BETWEEN runs in one statement
MAX_SINGLES = 500


def normalised(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, merged, with each interval's bounds in order (a client's `9:7` is `7:9`)."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted((min(a, b), max(a, b)) for a, b in ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def batches(ranges: Iterable[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """The intervals in groups small enough for one statement each."""
    batch: list[tuple[int, int]] = []
    runs = singles = 0
    for first, last in normalised(ranges):
        if first == last:
            singles += 1
        else:
            runs += 1
        batch.append((first, last))
        if runs >= MAX_TERMS or singles >= MAX_SINGLES:
            yield batch
            batch, runs, singles = [], 0, 0
    if batch:
        yield batch


def uid_clause(column: ColumnClause[int] | ColumnElement[int], ranges: list[tuple[int, int]]) -> ColumnElement[bool]:
    """`column` lies in one of `ranges` (keep `ranges` to one batch)."""
    singles = [first for first, last in ranges if first == last]
    parts: list[ColumnElement[bool]] = [column.between(first, last) for first, last in ranges if first != last]
    if singles:
        parts.append(column.in_(singles))
    return or_(*parts) if parts else false()


def contains(ranges: list[tuple[int, int]], uid: int) -> bool:
    """Whether `uid` lies in the normalised `ranges`."""
    low, high = 0, len(ranges)
    while low < high:
        mid = (low + high) // 2
        if ranges[mid][1] < uid:
            low = mid + 1
        else:
            high = mid
    return low < len(ranges) and ranges[low][0] <= uid
