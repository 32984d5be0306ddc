"""Search criteria and sort keys as the store understands them (the IMAP layer translates its parsed keys).

Owns a small typed tree that mirrors RFC 3501 §6.4.4 SEARCH with everything session-specific already resolved:
message sequence numbers and `$` become UID ranges (the session knows its numbering), NEW/OLD/RECENT become flag
tests. Text tests are case-insensitive substring tests (`str.casefold` on both sides). Never imports the IMAP
layer (the store sits below it) and never touches the database.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

UidRanges = Sequence[tuple[int, int]]  # inclusive (first, last) intervals, e.g. a NumberSet's `.intervals`


class TextField(enum.StrEnum):
    """Header fields searched by substring (RFC 3501 §6.4.4 FROM, TO, CC, BCC, SUBJECT)."""

    FROM = "from_field"
    TO = "to_field"
    CC = "cc_field"
    BCC = "bcc_field"
    SUBJECT = "subject_field"


class DateOf(enum.StrEnum):
    INTERNAL = "internal"  # BEFORE, ON, SINCE
    SENT = "sent"  # SENTBEFORE, SENTON, SENTSINCE: the Date header, its own day


class DateTest(enum.StrEnum):
    BEFORE = "before"
    ON = "on"
    SINCE = "since"


@dataclass(frozen=True, slots=True)
class All:
    pass


@dataclass(frozen=True, slots=True)
class HasFlag:
    """A system flag or keyword is set (`present`) or not; compared without case."""

    flag: str
    present: bool = True


@dataclass(frozen=True, slots=True)
class FieldContains:
    field: TextField
    value: str


@dataclass(frozen=True, slots=True)
class HeaderContains:
    """HEADER name value: some field `name` contains `value`; an empty value tests that the field exists."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class TextContains:
    """BODY (`include_header` False) or TEXT (header or body)."""

    value: str
    include_header: bool = False


@dataclass(frozen=True, slots=True)
class DateIs:
    of: DateOf
    test: DateTest
    day: dt.date


@dataclass(frozen=True, slots=True)
class SizeIs:
    """LARGER n (`larger`) or SMALLER n: RFC822.SIZE strictly above or below `octets`."""

    octets: int
    larger: bool


@dataclass(frozen=True, slots=True)
class UidIn:
    ranges: UidRanges


@dataclass(frozen=True, slots=True)
class ModSeqAtLeast:
    """RFC 7162 §3.1.5 MODSEQ: the message's modseq is `modseq` or more."""

    modseq: int


@dataclass(frozen=True, slots=True)
class Not:
    criterion: Criterion


@dataclass(frozen=True, slots=True)
class Or:
    left: Criterion
    right: Criterion


@dataclass(frozen=True, slots=True)
class And:
    criteria: tuple[Criterion, ...]


Criterion = (
    All
    | HasFlag
    | FieldContains
    | HeaderContains
    | TextContains
    | DateIs
    | SizeIs
    | UidIn
    | ModSeqAtLeast
    | Not
    | Or
    | And
)


class SortBy(enum.StrEnum):
    """RFC 5256 §3 sort criteria."""

    ARRIVAL = "ARRIVAL"
    CC = "CC"
    DATE = "DATE"
    FROM = "FROM"
    SIZE = "SIZE"
    SUBJECT = "SUBJECT"
    TO = "TO"


@dataclass(frozen=True, slots=True)
class SortKey:
    by: SortBy
    reverse: bool = False
