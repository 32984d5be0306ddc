"""The header fields IMAP SEARCH, SORT and THREAD and webmail lists use, decoded once at delivery.

Owns reading From, To, Cc, Bcc, Subject (RFC 2047 decoded to text, several occurrences joined), Date (an aware
datetime, RFC 5322 §3.3) and Message-ID, In-Reply-To, References (RFC 5322 §3.6.4) from the raw header. Never
raises: an unparsable date is None, a missing field is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from mailserver.message.encodedwords import header_text
from mailserver.message.rawheaders import MAX_HEADER_FIELDS, field_value, iter_fields

_TEXT_FIELDS = (b"from", b"to", b"cc", b"bcc", b"subject")
_ID_FIELDS = (b"date", b"message-id", b"in-reply-to", b"references")
_WANTED = frozenset(_TEXT_FIELDS + _ID_FIELDS)
_MSG_ID = re.compile(r"<[^<>\s]*>")


@dataclass(frozen=True, slots=True)
class SearchFields:
    from_: str
    to: str
    cc: str
    bcc: str
    subject: str
    date: datetime | None
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]


def search_fields(raw: bytes, start: int = 0, end: int | None = None) -> SearchFields:
    """The search fields of the header block that begins at `raw[start]`."""
    seen: dict[bytes, list[bytes]] = {}
    for field in iter_fields(raw, start, end, limit=MAX_HEADER_FIELDS):
        name = field.name.lower()
        if name in _WANTED:
            seen.setdefault(name, []).append(field_value(raw, field))
    text = {name: ", ".join(header_text(v) for v in seen.get(name, ())) for name in _TEXT_FIELDS}

    def first(name: bytes) -> str | None:
        values = seen.get(name)
        return (header_text(values[0]).strip() or None) if values else None

    references = first(b"references")
    return SearchFields(
        from_=text[b"from"],
        to=text[b"to"],
        cc=text[b"cc"],
        bcc=text[b"bcc"],
        subject=text[b"subject"],
        date=parse_date(first(b"date")),
        message_id=first(b"message-id"),
        in_reply_to=first(b"in-reply-to"),
        references=tuple(_MSG_ID.findall(references) or references.split()) if references else (),
    )


def parse_date(value: str | None) -> datetime | None:
    """An RFC 5322 §3.3 date-time (obsolete forms tolerated) as an aware datetime; `-0000` and no zone read UTC."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
