"""Writing IMAP protocol values strictly (RFC 3501 §7, §9): mailbox names, flag lists, sequence sets, sections,
status lines.

Owns the byte form of what only the IMAP server sends. Strings, atoms and literals come from
`mailserver.message.imapsyntax`, shared with ENVELOPE and BODYSTRUCTURE. Mailbox names are modified UTF-7 unless
the client enabled UTF8=ACCEPT (RFC 6855 §3), and status texts never carry a CR or LF. It must never write to a
socket or decide what to say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mailserver.imap import mutf7
from mailserver.imap.parser.errors import ParseError
from mailserver.imap.parser.framing import Refused
from mailserver.imap.sequence import NumberSet, format_numbers
from mailserver.message import imapsyntax
from mailserver.message.sections import Section

__all__ = [
    "error_response",
    "flag_list",
    "mailbox_name",
    "number_set",
    "section_spec",
    "sequence_text",
    "status_response",
]

_LINE_BREAKS = re.compile(r"[\r\n]+")


def mailbox_name(name: str, *, utf8: bool = False) -> bytes:
    """A mailbox name as the client expects it: UTF-8 after ENABLE UTF8=ACCEPT, modified UTF-7 before."""
    if utf8:
        return imapsyntax.astring(name.encode("utf-8"), utf8=True)
    return imapsyntax.astring(mutf7.encode(name).encode("ascii"))


def flag_list(flags: Iterable[str]) -> bytes:
    """`(\\Seen $Forwarded)`; flags are atoms by construction (the parser admits nothing else)."""
    return b"(" + " ".join(flags).encode("ascii") + b")"


def number_set(numbers: NumberSet) -> bytes:
    """A resolved set in compact form, `1:3,5` (VANISHED, ESEARCH ALL)."""
    return numbers.to_text().encode("ascii")


def sequence_text(numbers: Iterable[int]) -> bytes:
    """Numbers in the given order, consecutive runs as ranges (COPYUID, APPENDUID: RFC 4315 §3)."""
    return format_numbers(numbers).encode("ascii")


def section_spec(section: Section) -> bytes:
    """The section as a FETCH response names it: `1.HEADER.FIELDS (From Subject)` (RFC 3501 §7.4.2)."""
    spec = ".".join(str(number) for number in section.part)
    if section.text:
        spec = f"{spec}.{section.text}" if spec else section.text
    head = spec.encode("ascii")
    if section.text in ("HEADER.FIELDS", "HEADER.FIELDS.NOT"):
        head += b" " + imapsyntax.paren_list(imapsyntax.astring(name.encode("ascii")) for name in section.fields)
    return head


def status_response(tag: str | None, status: str, text: str, code: str | None = None) -> bytes:
    """`<tag> <status> [<code>] <text>\\r\\n`, or `* ...` without a tag; line breaks are flattened."""
    parts = [tag or "*", status]
    if code:
        parts.append(f"[{_LINE_BREAKS.sub(' ', code)}]")
    parts.append(_LINE_BREAKS.sub(" ", text) or status)
    return " ".join(parts).encode("utf-8") + b"\r\n"


def error_response(error: ParseError | Refused) -> bytes:
    """The response to a command the parser or the framer refused."""
    text = error.client_text if isinstance(error, ParseError) else error.text
    return status_response(error.tag, error.status, text, error.code)
