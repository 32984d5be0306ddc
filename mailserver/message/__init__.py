"""Pure MIME work: parse once at delivery, serve IMAP and webmail without parsing again (DESIGN.md §2, §5).

Owns raw header access, the MIME tree with byte offsets, ENVELOPE / BODYSTRUCTURE / BODY wire syntax, section
extraction, addresses, trace headers and the per-message summary. Standard library only; never does I/O, never
touches a socket or the database, and never raises on hostile message content (DESIGN.md §6).
"""

from __future__ import annotations

from mailserver.message.addresses import (
    Address,
    Group,
    normalise_address,
    normalise_domain,
    parse_address_entries,
    parse_address_list,
)
from mailserver.message.attachments import Attachment, list_attachments
from mailserver.message.bodystructure import body, bodystructure
from mailserver.message.bodytext import MAX_TEXT_CHARS, readable_text
from mailserver.message.envelope import envelope
from mailserver.message.imapsyntax import astring, literal, nstring, quote_or_literal
from mailserver.message.mime import MimePart, parse_mime
from mailserver.message.partmap import PartMap, part_map
from mailserver.message.rawheaders import header_fields, split_message
from mailserver.message.sections import BadSection, Section, parse_section, partial, section_bytes
from mailserver.message.summary import MessageSummary, summarise
from mailserver.message.summaryjson import UnreadableSummary, from_json, to_json
from mailserver.message.trace import received_header

__all__ = [
    "MAX_TEXT_CHARS",
    "Address",
    "Attachment",
    "BadSection",
    "Group",
    "MessageSummary",
    "MimePart",
    "PartMap",
    "Section",
    "UnreadableSummary",
    "astring",
    "body",
    "bodystructure",
    "envelope",
    "from_json",
    "header_fields",
    "list_attachments",
    "literal",
    "normalise_address",
    "normalise_domain",
    "nstring",
    "parse_address_entries",
    "parse_address_list",
    "parse_mime",
    "parse_section",
    "part_map",
    "partial",
    "quote_or_literal",
    "readable_text",
    "received_header",
    "section_bytes",
    "split_message",
    "summarise",
    "to_json",
]
