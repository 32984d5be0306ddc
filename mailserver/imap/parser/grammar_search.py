"""Grammar of SEARCH (RFC 3501 §6.4.4, ESEARCH RFC 4731, SEARCHRES RFC 5182), SORT and THREAD (RFC 5256).

Owns search keys with OR, NOT and parenthesised lists, sequence sets and `$`, CONDSTORE's MODSEQ key, CHARSET, the
ESEARCH return options, sort criteria and threading algorithms. Search strings are decoded from the charset here;
an unknown charset is `NO [BADCHARSET ...]` (RFC 3501 §6.4.4). It must never search anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mailserver.imap.parser.commands import (
    Search,
    SearchReturnOption,
    Sort,
    SortCriterion,
    SortKey,
    Thread,
    ThreadAlgorithm,
)
from mailserver.imap.parser.dates import parse_date
from mailserver.imap.parser.flags import read_flag
from mailserver.imap.parser.lexer import MAX_NUMBER64, Reader
from mailserver.imap.parser.search_keys import (
    DateField,
    DateRelation,
    EnvelopeField,
    SearchAll,
    SearchAnd,
    SearchContent,
    SearchDate,
    SearchField,
    SearchFlag,
    SearchHeader,
    SearchKey,
    SearchModSeq,
    SearchNot,
    SearchOr,
    SearchSequence,
    SearchSize,
    SearchUid,
)

__all__ = ["SUPPORTED_CHARSETS", "parse_search", "parse_sort", "parse_thread"]

# Charsets SEARCH, SORT and THREAD accept, and the Python codec each is read with. US-ASCII is read as UTF-8:
# clients label UTF-8 text as ASCII, and ASCII text is UTF-8 anyway.
SUPPORTED_CHARSETS = {"UTF-8": "utf-8", "US-ASCII": "utf-8", "ISO-8859-1": "iso-8859-1", "ISO-8859-15": "iso-8859-15"}
_BADCHARSET = "BADCHARSET (" + " ".join(SUPPORTED_CHARSETS) + ")"
MAX_DEPTH = 32  # nesting of NOT, OR and parentheses; a deeper search is refused, never a stack overflow
_FIELD_NAME = re.compile(rb"[\x21-\x39\x3b-\x7e]+")

_FLAG_KEYS: dict[str, SearchKey] = {
    "ANSWERED": SearchFlag("\\Answered"),
    "DELETED": SearchFlag("\\Deleted"),
    "DRAFT": SearchFlag("\\Draft"),
    "FLAGGED": SearchFlag("\\Flagged"),
    "RECENT": SearchFlag("\\Recent"),
    "SEEN": SearchFlag("\\Seen"),
    "UNANSWERED": SearchFlag("\\Answered", present=False),
    "UNDELETED": SearchFlag("\\Deleted", present=False),
    "UNDRAFT": SearchFlag("\\Draft", present=False),
    "UNFLAGGED": SearchFlag("\\Flagged", present=False),
    "UNSEEN": SearchFlag("\\Seen", present=False),
    "OLD": SearchFlag("\\Recent", present=False),  # RFC 3501 §6.4.4: OLD is NOT RECENT
    "NEW": SearchAnd((SearchFlag("\\Recent"), SearchFlag("\\Seen", present=False))),  # RECENT UNSEEN
    "ALL": SearchAll(),
}


class _Context:
    """What the keys of one command share: its reader and the charset search strings are decoded with."""

    def __init__(self, reader: Reader, charset: str) -> None:
        self.reader = reader
        self.codec = SUPPORTED_CHARSETS[charset]

    def text(self, what: str) -> str:
        raw = self.reader.astring(what)
        try:
            return raw.decode(self.codec)
        except UnicodeDecodeError as exc:
            raise self.reader.fail("Search string does not match its charset") from exc


def _charset(reader: Reader) -> str:
    name = reader.astring("charset").decode("ascii", "replace").upper()
    if name not in SUPPORTED_CHARSETS:
        raise reader.fail("Unsupported charset", code=_BADCHARSET, status="NO")
    return name


def _header(ctx: _Context, depth: int) -> SearchHeader:
    raw = ctx.reader.astring("header field name")
    if _FIELD_NAME.fullmatch(raw) is None:
        raise ctx.reader.fail("Invalid header field name")
    ctx.reader.space()
    return SearchHeader(raw.decode("ascii"), ctx.text("search string"))


def _or(ctx: _Context, depth: int) -> SearchOr:
    left = _key(ctx, depth + 1)
    ctx.reader.space()
    return SearchOr(left, _key(ctx, depth + 1))


def _modseq(ctx: _Context, depth: int) -> SearchModSeq:
    reader = ctx.reader
    entry_name = entry_type = None
    if reader.peek() == 0x22:
        # RFC 7162 §3.1.5: entry-name = "/flags/" flag, entry-type-req = "priv" / "shared" / "all"
        entry_name = reader.string("MODSEQ entry name").decode("ascii", "replace")
        if not entry_name.lower().startswith("/flags/"):
            raise reader.fail("Invalid MODSEQ entry name")
        reader.space()
        entry_type = reader.atom("MODSEQ entry type").lower()
        if entry_type not in ("priv", "shared", "all"):
            raise reader.fail("Invalid MODSEQ entry type")
        reader.space()
    return SearchModSeq(reader.number("mod-sequence", maximum=MAX_NUMBER64), entry_name, entry_type)


def _date(field: DateField, relation: DateRelation) -> Callable[[_Context, int], SearchKey]:
    def read(ctx: _Context, depth: int) -> SearchKey:
        try:
            return SearchDate(field, relation, parse_date(ctx.reader.astring("date")))
        except ValueError as exc:
            raise ctx.reader.fail("Invalid date") from exc

    return read


def _address(field: EnvelopeField) -> Callable[[_Context, int], SearchKey]:
    return lambda ctx, depth: SearchField(field, ctx.text("search string"))


# Keys followed by an argument, each with the function that reads it.
_ARGUMENT_KEYS: dict[str, Callable[[_Context, int], SearchKey]] = {
    "BODY": lambda ctx, depth: SearchContent(ctx.text("search string")),
    "TEXT": lambda ctx, depth: SearchContent(ctx.text("search string"), include_header=True),
    "KEYWORD": lambda ctx, depth: SearchFlag(read_flag(ctx.reader)),
    "UNKEYWORD": lambda ctx, depth: SearchFlag(read_flag(ctx.reader), present=False),
    "LARGER": lambda ctx, depth: SearchSize(ctx.reader.number("size", maximum=MAX_NUMBER64), larger=True),
    "SMALLER": lambda ctx, depth: SearchSize(ctx.reader.number("size", maximum=MAX_NUMBER64), larger=False),
    "UID": lambda ctx, depth: SearchUid(ctx.reader.sequence_set("UID set")),
    "NOT": lambda ctx, depth: SearchNot(_key(ctx, depth + 1)),
    "HEADER": _header,
    "OR": _or,
    "MODSEQ": _modseq,
    **{field.value: _address(field) for field in EnvelopeField},
    **{
        f"{prefix}{relation}": _date(field, relation)
        for prefix, field in (("", DateField.INTERNAL), ("SENT", DateField.SENT))
        for relation in DateRelation
    },
}


def _and(keys: list[SearchKey]) -> SearchKey:
    return keys[0] if len(keys) == 1 else SearchAnd(tuple(keys))


def _key(ctx: _Context, depth: int) -> SearchKey:
    reader = ctx.reader
    if depth > MAX_DEPTH:
        raise reader.fail("Search criteria nested too deeply")
    octet = reader.peek()
    if octet == 0x28:
        return _and(reader.parenthesized(lambda: _key(ctx, depth + 1), "search keys", allow_empty=False))
    if octet is not None and (0x30 <= octet <= 0x39 or octet in b"*$"):
        return SearchSequence(reader.sequence_set())
    name = reader.atom("search key")
    if name in _FLAG_KEYS:
        return _FLAG_KEYS[name]
    read = _ARGUMENT_KEYS.get(name)
    if read is None:
        raise reader.fail("Unknown search key")
    reader.space()
    return read(ctx, depth)


def _program(reader: Reader, charset: str) -> SearchKey:
    """`search-key *(SP search-key)`, several keys meaning all of them."""
    ctx = _Context(reader, charset)
    keys = [_key(ctx, 0)]
    while reader.try_space():
        keys.append(_key(ctx, 0))
    return _and(keys)


def _return_options(reader: Reader) -> frozenset[SearchReturnOption]:
    def option() -> SearchReturnOption:
        try:
            return SearchReturnOption(reader.atom("RETURN option"))
        except ValueError as exc:
            raise reader.fail("Unknown SEARCH RETURN option") from exc

    options = frozenset(reader.parenthesized(option, "RETURN options"))
    return options or frozenset({SearchReturnOption.ALL})  # RFC 4731 §3.1: RETURN () means RETURN (ALL)


def parse_search(reader: Reader, *, uid: bool) -> Search:
    reader.space()
    return_options = None
    if reader.peek_word(b"RETURN"):
        reader.atom("RETURN")
        reader.space()
        return_options = _return_options(reader)
        reader.space()
    charset = None
    if reader.peek_word(b"CHARSET"):
        reader.atom("CHARSET")
        reader.space()
        charset = _charset(reader)
        reader.space()
    return Search(_program(reader, charset or "UTF-8"), charset, return_options, uid)


def _sort_criteria(reader: Reader) -> tuple[SortCriterion, ...]:
    def criterion() -> SortCriterion:
        name = reader.atom("sort key")
        reverse = name == "REVERSE"
        if reverse:
            reader.space()
            name = reader.atom("sort key")
        try:
            return SortCriterion(SortKey(name), reverse)
        except ValueError as exc:
            raise reader.fail("Unknown sort key") from exc

    return tuple(reader.parenthesized(criterion, "sort criteria", allow_empty=False))


def parse_sort(reader: Reader, *, uid: bool) -> Sort:
    reader.space()
    criteria = _sort_criteria(reader)
    reader.space()
    charset = _charset(reader)  # RFC 5256 §3: the charset is mandatory
    reader.space()
    return Sort(criteria, charset, _program(reader, charset), uid)


def parse_thread(reader: Reader, *, uid: bool) -> Thread:
    reader.space()
    try:
        algorithm = ThreadAlgorithm(reader.atom("threading algorithm"))
    except ValueError as exc:
        raise reader.fail("Unknown threading algorithm") from exc
    reader.space()
    charset = _charset(reader)
    reader.space()
    return Thread(algorithm, charset, _program(reader, charset), uid)
