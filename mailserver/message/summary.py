"""MessageSummary: everything IMAP and webmail ask about a message, computed once at delivery (DESIGN.md §5).

Owns the single parse of a delivered message into size, ENVELOPE, BODYSTRUCTURE, BODY, the part map that serves
BODY[section] from the blob, the SEARCH header fields and the attachment list, and its JSON form for the store.
The readable text for full-text search is not part of it: the store's text indexer extracts it after the commit
(`bodytext.readable_text`). Never raises on message content; never does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailserver.message.attachments import Attachment, list_attachments
from mailserver.message.bodystructure import body, bodystructure
from mailserver.message.envelope import envelope
from mailserver.message.mime import parse_mime
from mailserver.message.partmap import PartMap, part_map
from mailserver.message.searchfields import search_fields


@dataclass(frozen=True, slots=True)
class MessageSummary:
    """What FETCH, SEARCH and webmail need without reading the blob again. Wire fields are ready IMAP syntax."""

    size: int  # RFC822.SIZE
    envelope: bytes  # written after `ENVELOPE `
    bodystructure: bytes  # written after `BODYSTRUCTURE `
    body: bytes  # written after `BODY ` (non-extensible form)
    layout: PartMap  # offsets for BODY[section], see sections.section_bytes
    from_: str
    to: str
    cc: str
    bcc: str
    subject: str
    date: datetime | None  # the Date header field, aware; None if absent or unparsable
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    attachments: tuple[Attachment, ...]


def summarise(raw: bytes) -> MessageSummary:
    """Parse `raw` once and compute its summary. Never raises on malformed content."""
    tree = parse_mime(raw)
    fields = search_fields(raw, 0, tree.body_start)
    return MessageSummary(
        size=len(raw),
        envelope=envelope(raw, 0, tree.body_start),
        bodystructure=bodystructure(raw, tree),
        body=body(raw, tree),
        layout=part_map(tree),
        from_=fields.from_,
        to=fields.to,
        cc=fields.cc,
        bcc=fields.bcc,
        subject=fields.subject,
        date=fields.date,
        message_id=fields.message_id,
        in_reply_to=fields.in_reply_to,
        references=fields.references,
        attachments=list_attachments(raw, tree),
    )
