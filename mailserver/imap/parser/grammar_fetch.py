"""Grammar of FETCH and UID FETCH (RFC 3501 §6.4.5, RFC 3516 BINARY, RFC 7162 CHANGEDSINCE and VANISHED).

Owns data items, section specifications (`BODY.PEEK[1.2.HEADER.FIELDS (From Subject)]<0.100>`), partials, the
ALL/FAST/FULL macros and the fetch modifiers. It must never read a message.
"""

from __future__ import annotations

import re

from mailserver.imap.parser.commands import Fetch
from mailserver.imap.parser.fetch_items import (
    FetchAttribute,
    FetchBinary,
    FetchBinarySize,
    FetchBody,
    FetchItem,
    Partial,
    Section,
    SectionText,
    expand_macro,
)
from mailserver.imap.parser.lexer import MAX_NUMBER64, Reader

__all__ = ["parse_fetch"]

_ITEM_NAME = re.compile(rb"[A-Za-z0-9.]+")
_SECTION_TEXT = re.compile(rb"HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME", re.IGNORECASE)
# RFC 5322 §3.6.8: a field name is printable US-ASCII except ":".
_FIELD_NAME = re.compile(rb"[\x21-\x39\x3b-\x7e]+")
_SIMPLE = {item.value: item for item in FetchAttribute}


def _part_numbers(reader: Reader) -> tuple[tuple[int, ...], bool]:
    """`nz-number *("." nz-number)`, and whether a "." follows it (then a section text must come)."""
    numbers: list[int] = []
    while (octet := reader.peek()) is not None and 0x30 <= octet <= 0x39:
        numbers.append(reader.number("section part", nonzero=True))
        if not reader.take(b"."):
            return tuple(numbers), False
    return tuple(numbers), bool(numbers)


def _field_name(reader: Reader) -> str:
    raw = reader.astring("header field name")
    if _FIELD_NAME.fullmatch(raw) is None:
        raise reader.fail("Invalid header field name")
    return raw.decode("ascii")


def _section(reader: Reader) -> Section:
    reader.expect(b"[", "'['")
    part, dotted = _part_numbers(reader)
    text: SectionText | None = None
    fields: tuple[str, ...] = ()
    if dotted or (not part and reader.peek() != 0x5D):
        text = SectionText(reader.match(_SECTION_TEXT, "section text").decode("ascii").upper())
        if text is SectionText.MIME and not part:
            raise reader.fail("MIME needs a part number")  # RFC 3501 §9 section-text
        if text in (SectionText.HEADER_FIELDS, SectionText.HEADER_FIELDS_NOT):
            reader.space()
            fields = tuple(reader.parenthesized(lambda: _field_name(reader), "header fields", allow_empty=False))
    reader.expect(b"]", "']' after section")
    return Section(part, text, fields)


def _binary_part(reader: Reader) -> tuple[int, ...]:
    reader.expect(b"[", "'['")
    part, dotted = _part_numbers(reader)
    if dotted:
        raise reader.fail("BINARY takes part numbers only")  # RFC 3516 §4.2 section-binary
    reader.expect(b"]", "']' after section")
    return part


def _partial(reader: Reader) -> Partial | None:
    if not reader.take(b"<"):
        return None
    start = reader.number("partial start", maximum=MAX_NUMBER64)
    reader.expect(b".", "'.' in partial")
    length = reader.number("partial length", nonzero=True, maximum=MAX_NUMBER64)
    reader.expect(b">", "'>' after partial")
    return Partial(start, length)


def _item(reader: Reader) -> FetchItem:
    name = reader.match(_ITEM_NAME, "fetch item").decode("ascii").upper()
    if reader.peek() == 0x5B:  # "["
        if name in ("BODY", "BODY.PEEK"):
            section = _section(reader)
            return FetchBody(section, name == "BODY.PEEK", _partial(reader))
        if name in ("BINARY", "BINARY.PEEK"):
            part = _binary_part(reader)
            return FetchBinary(part, name == "BINARY.PEEK", _partial(reader))
        if name == "BINARY.SIZE":
            return FetchBinarySize(_binary_part(reader))
        raise reader.fail("Unknown fetch item")
    item = _SIMPLE.get(name)
    if item is None:
        raise reader.fail("Unknown fetch item" if expand_macro(name) is None else "Macro inside a fetch list")
    return item


def parse_fetch(reader: Reader, *, uid: bool) -> Fetch:
    reader.space()
    sequence_set = reader.sequence_set()
    reader.space()
    items: tuple[FetchItem, ...]
    if reader.peek() == 0x28:
        items = tuple(reader.parenthesized(lambda: _item(reader), "fetch items"))
    elif reader.peek_word(b"ALL", b"FAST", b"FULL"):
        items = expand_macro(reader.atom("fetch macro")) or ()
    else:
        items = (_item(reader),)
    changed_since: int | None = None
    vanished = False
    if reader.try_space():

        def modifier() -> None:
            nonlocal changed_since, vanished
            name = reader.atom("FETCH modifier")
            if name == "CHANGEDSINCE":
                reader.space()
                changed_since = reader.number("CHANGEDSINCE", maximum=MAX_NUMBER64)
            elif name == "VANISHED":
                vanished = True
            else:
                raise reader.fail("Unknown FETCH modifier")

        reader.parenthesized(modifier, "FETCH modifiers", allow_empty=False)
    if vanished and not (uid and changed_since is not None):
        # RFC 7162 §3.2.6: VANISHED only in UID FETCH, and only together with CHANGEDSINCE.
        raise reader.fail("VANISHED needs UID FETCH and CHANGEDSINCE")
    return Fetch(sequence_set, items, uid, changed_since, vanished)
