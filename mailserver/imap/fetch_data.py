"""The data items of a FETCH response (RFC 3501 §7.4.2, RFC 7162 §3.1.4), written strictly.

Owns what a FETCH needs (`FetchPlan`: memory only, metadata, summary, bytes; whether it sets \\Seen) and the bytes
of one message's response. ENVELOPE, BODY and BODYSTRUCTURE come from the summary stored at delivery, never from
parsing again; BODY[section] is cut from the stored bytes with the summary's part map, so fetched headers are
byte-exact (name case and folding kept, raw UTF-8 carried in a literal). Never reads the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from mailserver.imap import wire
from mailserver.imap.parser import WHOLE_MESSAGE, FetchAttribute, FetchBody, FetchItem, Section
from mailserver.message import MessageSummary, literal, partial, section_bytes
from mailserver.store.imap_records import MessageMeta

MEMORY = frozenset({FetchAttribute.UID, FetchAttribute.FLAGS, FetchAttribute.MODSEQ})
METADATA = frozenset({FetchAttribute.INTERNALDATE, FetchAttribute.RFC822_SIZE})
SUMMARY = frozenset({FetchAttribute.ENVELOPE, FetchAttribute.BODY, FetchAttribute.BODYSTRUCTURE})
WHOLE = frozenset({FetchAttribute.RFC822})
PARTS = frozenset({FetchAttribute.RFC822_HEADER, FetchAttribute.RFC822_TEXT})
SETS_SEEN = frozenset({FetchAttribute.RFC822, FetchAttribute.RFC822_TEXT})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HEADER = Section(text="HEADER")
_TEXT = Section(text="TEXT")


@dataclass(frozen=True, slots=True)
class FetchPlan:
    items: tuple[FetchItem, ...]

    @property
    def memory_only(self) -> bool:
        return all(item in MEMORY for item in self.items)

    @property
    def needs_summary(self) -> bool:
        return any(
            item in SUMMARY or item in PARTS or (isinstance(item, FetchBody) and item.section != WHOLE_MESSAGE)
            for item in self.items
        )

    @property
    def needs_bytes(self) -> bool:
        return any(isinstance(item, FetchBody) or item in WHOLE or item in PARTS for item in self.items)

    @property
    def sets_seen(self) -> bool:
        """RFC 3501 §6.4.5: BODY[...] (not .PEEK), RFC822 and RFC822.TEXT set \\Seen."""
        return any((isinstance(item, FetchBody) and not item.peek) or item in SETS_SEEN for item in self.items)


def internal_date(when: datetime) -> bytes:
    """RFC 3501 §9 date-time, in UTC: `"17-Jul-1996 09:44:25 +0000"` (English months whatever the locale)."""
    moment = when.astimezone(UTC)
    return b'"%2d-%s-%04d %02d:%02d:%02d +0000"' % (
        moment.day,
        _MONTHS[moment.month - 1].encode("ascii"),
        moment.year,
        moment.hour,
        moment.minute,
        moment.second,
    )


@dataclass(slots=True)  # not frozen: one is built per message fetched, and a frozen __init__ costs 4x more
class MessageData:
    """What is known of one message for its FETCH response (never changed once built)."""

    number: int
    uid: int
    flags: str
    modseq: int
    meta: MessageMeta | None = None
    summary: MessageSummary | None = None
    raw: bytes | None = None


def render(data: MessageData, items: tuple[FetchItem, ...], *, add_flags: bool = False) -> bytes:
    """`* n FETCH (...)\\r\\n` for one message; `add_flags` appends FLAGS when \\Seen was just set (RFC 3501 §6.4.5)."""
    parts = [_item(data, item) for item in items]
    if add_flags and FetchAttribute.FLAGS not in items:
        parts.append(b"FLAGS (" + data.flags.encode("ascii") + b")")
    return b"* %d FETCH (" % data.number + b" ".join(parts) + b")\r\n"


def _item(data: MessageData, item: FetchItem) -> bytes:
    if isinstance(item, FetchBody):
        return _body(data, item)
    if not isinstance(item, FetchAttribute):
        raise ValueError("BINARY is not offered")  # the FETCH command refuses it before reading anything
    if item is FetchAttribute.UID:
        return b"UID %d" % data.uid
    if item is FetchAttribute.FLAGS:
        return b"FLAGS (" + data.flags.encode("ascii") + b")"
    if item is FetchAttribute.MODSEQ:
        return b"MODSEQ (%d)" % data.modseq
    if item is FetchAttribute.INTERNALDATE:
        assert data.meta is not None
        return b"INTERNALDATE " + internal_date(data.meta.internal_date)
    if item is FetchAttribute.RFC822_SIZE:
        assert data.meta is not None
        return b"RFC822.SIZE %d" % data.meta.size
    if item is FetchAttribute.ENVELOPE:
        assert data.summary is not None
        return b"ENVELOPE " + data.summary.envelope
    if item is FetchAttribute.BODYSTRUCTURE:
        assert data.summary is not None
        return b"BODYSTRUCTURE " + data.summary.bodystructure
    if item is FetchAttribute.BODY:
        assert data.summary is not None
        return b"BODY " + data.summary.body
    assert data.raw is not None
    if item is FetchAttribute.RFC822:
        return b"RFC822 " + literal(data.raw)
    section = _HEADER if item is FetchAttribute.RFC822_HEADER else _TEXT
    return item.value.encode("ascii") + b" " + literal(_section(data, section))


def _body(data: MessageData, item: FetchBody) -> bytes:
    content = _section(data, item.section)
    head = b"BODY[" + wire.section_spec(item.section) + b"]"
    if item.partial is not None:
        content = partial(content, item.partial.start, item.partial.length)
        head += b"<%d>" % item.partial.start  # RFC 3501 §7.4.2: only the origin is returned
    return head + b" " + (literal(content) if content else b'""')


def _section(data: MessageData, section: Section) -> bytes:
    assert data.raw is not None
    if section == WHOLE_MESSAGE:
        return data.raw
    assert data.summary is not None
    return section_bytes(data.raw, data.summary.layout, section)
