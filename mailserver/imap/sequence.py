"""IMAP sequence sets: message sequence numbers and UIDs (RFC 3501 §9 `sequence-set`, RFC 5182 `$`).

Owns parsing `1:*,5,7:9,$` into a `SequenceSet`, resolving it against a mailbox (what `*` and `$` stand for) into
a `NumberSet` of disjoint intervals, and writing number lists back in compact form (COPYUID, APPENDUID, VANISHED).
Works on intervals, never on expanded lists, so that `1:*` over 100,000 messages costs the same as `1:3`.
It must never look at a mailbox itself: the caller passes the largest number in use and the saved result.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["MAX_NUMBER", "InvalidSequenceSet", "NumberSet", "SequenceRange", "SequenceSet", "format_numbers"]

MAX_NUMBER = 2**32 - 1  # RFC 3501 §9: nz-number is an unsigned 32-bit integer
_NUMBER = re.compile(r"[0-9]{1,10}")


class InvalidSequenceSet(ValueError):
    """The text is not a sequence set."""


@dataclass(frozen=True, slots=True)
class SequenceRange:
    """One element of a sequence set: `first:last`, or a single number when both are equal. None stands for `*`."""

    first: int | None
    last: int | None

    def resolve(self, largest: int) -> tuple[int, int]:
        """The inclusive bounds once `*` is `largest`; `9:7` is the same range as `7:9` (RFC 3501 §9)."""
        first = largest if self.first is None else self.first
        last = largest if self.last is None else self.last
        return (first, last) if first <= last else (last, first)

    def __str__(self) -> str:
        first = "*" if self.first is None else str(self.first)
        if self.first == self.last:
            return first
        return f"{first}:{'*' if self.last is None else self.last}"


def _parse_number(text: str) -> int | None:
    if text == "*":
        return None
    if _NUMBER.fullmatch(text) is None:
        raise InvalidSequenceSet("not a number")
    value = int(text)
    if not 1 <= value <= MAX_NUMBER:  # RFC 3501 §9: seq-number = nz-number / "*"
        raise InvalidSequenceSet("number out of range")
    return value


@dataclass(frozen=True, slots=True)
class SequenceSet:
    """A parsed sequence set, as the client wrote it. `saved` is the `$` of RFC 5182 (the last saved SEARCH)."""

    ranges: tuple[SequenceRange, ...] = ()
    saved: bool = False

    @classmethod
    def parse(cls, text: str | bytes) -> SequenceSet:
        if isinstance(text, bytes):
            text = text.decode("ascii", "replace")
        if not text:
            raise InvalidSequenceSet("empty sequence set")
        ranges: list[SequenceRange] = []
        saved = False
        for element in text.split(","):
            if element == "$":
                saved = True
                continue
            first, colon, last = element.partition(":")
            start = _parse_number(first)
            ranges.append(SequenceRange(start, _parse_number(last) if colon else start))
        return cls(tuple(ranges), saved)

    @classmethod
    def of(cls, *numbers: int) -> SequenceSet:
        """The set of the given numbers, one element each (for tests and internally built commands)."""
        return cls(tuple(SequenceRange(number, number) for number in numbers))

    @property
    def uses_star(self) -> bool:
        return any(r.first is None or r.last is None for r in self.ranges)

    def highest_number(self) -> int:
        """The largest number written explicitly (0 if none): a sequence number above the message count is BAD."""
        return max((n for r in self.ranges for n in (r.first, r.last) if n is not None), default=0)

    def resolve(self, largest: int, saved: NumberSet | None = None) -> NumberSet:
        """The numbers this set designates in a mailbox whose largest number in use is `largest` (0 if empty).

        Numbers above `largest` are dropped: they name no message. `saved` is what `$` stands for.
        """
        intervals: list[tuple[int, int]] = []
        for element in self.ranges:
            first, last = element.resolve(largest)
            first, last = max(first, 1), min(last, largest)
            if first <= last:
                intervals.append((first, last))
        if self.saved and saved is not None:
            intervals.extend(saved.intervals)
        return NumberSet.from_intervals(intervals)

    def __str__(self) -> str:
        parts = [str(r) for r in self.ranges]
        if self.saved:
            parts.append("$")
        return ",".join(parts)


@dataclass(frozen=True, slots=True)
class NumberSet:
    """Sorted, disjoint, non-adjacent inclusive intervals of positive numbers."""

    intervals: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_intervals(cls, intervals: Iterable[tuple[int, int]]) -> NumberSet:
        merged: list[tuple[int, int]] = []
        for first, last in sorted(intervals):
            if merged and first <= merged[-1][1] + 1:
                if last > merged[-1][1]:
                    merged[-1] = (merged[-1][0], last)
            else:
                merged.append((first, last))
        return cls(tuple(merged))

    @classmethod
    def from_numbers(cls, numbers: Iterable[int]) -> NumberSet:
        return cls.from_intervals(_runs(sorted(set(numbers))))

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return False
        index = bisect.bisect_right(self.intervals, (number, MAX_NUMBER + 1)) - 1
        return index >= 0 and self.intervals[index][0] <= number <= self.intervals[index][1]

    def __iter__(self) -> Iterator[int]:
        for first, last in self.intervals:
            yield from range(first, last + 1)

    def __len__(self) -> int:
        return sum(last - first + 1 for first, last in self.intervals)

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def to_text(self) -> str:
        """The compact wire form, `1:3,5`; empty string for the empty set (the caller decides what to send)."""
        return ",".join(str(first) if first == last else f"{first}:{last}" for first, last in self.intervals)


def _runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def format_numbers(numbers: Iterable[int]) -> str:
    """Compact a list of numbers in the given order: ascending runs become ranges, nothing is sorted.

    COPYUID's source and destination sets must pair up element by element (RFC 4315 §3), so order is kept.
    """
    return ",".join(str(first) if first == last else f"{first}:{last}" for first, last in _runs(numbers))
