"""SEARCH criteria as a typed tree (RFC 3501 §6.4.4, RFC 7162 §3.1.5 MODSEQ, RFC 5182 `$`).

Owns the search-key types that SEARCH, SORT and THREAD carry. The parser normalises what means the same thing:
ANSWERED / UNANSWERED / KEYWORD become `SearchFlag`, NEW and OLD become flag tests, and several keys in a row
become one `SearchAnd`. Strings are already decoded from the command's charset. It must never search anything.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from mailserver.imap.sequence import SequenceSet

__all__ = [
    "DateField",
    "DateRelation",
    "EnvelopeField",
    "SearchAll",
    "SearchAnd",
    "SearchContent",
    "SearchDate",
    "SearchField",
    "SearchFlag",
    "SearchHeader",
    "SearchKey",
    "SearchModSeq",
    "SearchNot",
    "SearchOr",
    "SearchSequence",
    "SearchSize",
    "SearchUid",
]


class EnvelopeField(enum.StrEnum):
    """Envelope fields searched by substring (RFC 3501 §6.4.4: "the envelope structure's FROM field", ...)."""

    FROM = "FROM"
    TO = "TO"
    CC = "CC"
    BCC = "BCC"
    SUBJECT = "SUBJECT"


class DateField(enum.StrEnum):
    INTERNAL = "INTERNAL"  # BEFORE, ON, SINCE: the internal date
    SENT = "SENT"  # SENTBEFORE, SENTON, SENTSINCE: the Date: header


class DateRelation(enum.StrEnum):
    BEFORE = "BEFORE"
    ON = "ON"
    SINCE = "SINCE"


@dataclass(frozen=True, slots=True)
class SearchAll:
    pass


@dataclass(frozen=True, slots=True)
class SearchFlag:
    """A system flag (`\\Seen`) or keyword is set (`present`) or not."""

    flag: str
    present: bool = True


@dataclass(frozen=True, slots=True)
class SearchField:
    field: EnvelopeField
    value: str


@dataclass(frozen=True, slots=True)
class SearchHeader:
    """HEADER name value: an empty value matches every message that has the field (RFC 3501 §6.4.4)."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class SearchContent:
    """BODY (the body only) or TEXT (header and body)."""

    value: str
    include_header: bool = False


@dataclass(frozen=True, slots=True)
class SearchDate:
    field: DateField
    relation: DateRelation
    date: dt.date


@dataclass(frozen=True, slots=True)
class SearchSize:
    """LARGER n (`larger`) or SMALLER n, in octets of RFC822.SIZE."""

    octets: int
    larger: bool


@dataclass(frozen=True, slots=True)
class SearchSequence:
    sequence_set: SequenceSet


@dataclass(frozen=True, slots=True)
class SearchUid:
    uid_set: SequenceSet


@dataclass(frozen=True, slots=True)
class SearchModSeq:
    """MODSEQ [entry-name entry-type] value (RFC 7162 §3.1.5): messages whose modseq is at least `modseq`."""

    modseq: int
    entry_name: str | None = None
    entry_type: str | None = None


@dataclass(frozen=True, slots=True)
class SearchNot:
    key: SearchKey


@dataclass(frozen=True, slots=True)
class SearchOr:
    left: SearchKey
    right: SearchKey


@dataclass(frozen=True, slots=True)
class SearchAnd:
    keys: tuple[SearchKey, ...]


SearchKey = (
    SearchAll
    | SearchFlag
    | SearchField
    | SearchHeader
    | SearchContent
    | SearchDate
    | SearchSize
    | SearchSequence
    | SearchUid
    | SearchModSeq
    | SearchNot
    | SearchOr
    | SearchAnd
)
