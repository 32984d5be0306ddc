"""What a FETCH asks for (RFC 3501 §6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ), as typed values.

Owns the data items of FETCH: simple attributes, `BODY[section]<partial>` and `BINARY[part]<partial>`. Macros
(ALL, FAST, FULL) are expanded by the parser, so a command module never sees them. The section is the `Section`
of `mailserver.message.sections`, so that the command module hands it to `section_bytes` as is. It must never
fetch anything.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from mailserver.message.sections import Section

__all__ = [
    "WHOLE_MESSAGE",
    "FetchAttribute",
    "FetchBinary",
    "FetchBinarySize",
    "FetchBody",
    "FetchItem",
    "Partial",
    "Section",
    "SectionText",
    "expand_macro",
]


class FetchAttribute(enum.StrEnum):
    """Data items without a section. BODY is the non-extensible BODYSTRUCTURE (RFC 3501 §6.4.5)."""

    ENVELOPE = "ENVELOPE"
    FLAGS = "FLAGS"
    INTERNALDATE = "INTERNALDATE"
    RFC822_SIZE = "RFC822.SIZE"
    UID = "UID"
    BODY = "BODY"
    BODYSTRUCTURE = "BODYSTRUCTURE"
    RFC822 = "RFC822"  # same data as BODY[], and sets \Seen
    RFC822_HEADER = "RFC822.HEADER"  # same data as BODY.PEEK[HEADER]
    RFC822_TEXT = "RFC822.TEXT"  # same data as BODY[TEXT], and sets \Seen
    MODSEQ = "MODSEQ"  # RFC 7162 §3.1.4.1


class SectionText(enum.StrEnum):
    """What of a part a section names; stored in `Section.text` (a str, as `mailserver.message.sections` reads it)."""

    HEADER = "HEADER"
    HEADER_FIELDS = "HEADER.FIELDS"
    HEADER_FIELDS_NOT = "HEADER.FIELDS.NOT"
    TEXT = "TEXT"
    MIME = "MIME"  # only after a part number (RFC 3501 §9 section-text)


WHOLE_MESSAGE = Section()  # BODY[]


@dataclass(frozen=True, slots=True)
class Partial:
    """`<start.length>`: octets from `start`, at most `length` of them."""

    start: int
    length: int


@dataclass(frozen=True, slots=True)
class FetchBody:
    """BODY[section] (sets \\Seen) or BODY.PEEK[section] (does not)."""

    section: Section = WHOLE_MESSAGE
    peek: bool = False
    partial: Partial | None = None


@dataclass(frozen=True, slots=True)
class FetchBinary:
    """BINARY[part] / BINARY.PEEK[part]: the part with its transfer encoding undone (RFC 3516 §4.2)."""

    part: tuple[int, ...] = ()
    peek: bool = False
    partial: Partial | None = None


@dataclass(frozen=True, slots=True)
class FetchBinarySize:
    """BINARY.SIZE[part] (RFC 3516 §4.2)."""

    part: tuple[int, ...] = ()


FetchItem = FetchAttribute | FetchBody | FetchBinary | FetchBinarySize

_MACROS: dict[str, tuple[FetchAttribute, ...]] = {
    # RFC 3501 §6.4.5
    "ALL": (FetchAttribute.FLAGS, FetchAttribute.INTERNALDATE, FetchAttribute.RFC822_SIZE, FetchAttribute.ENVELOPE),
    "FAST": (FetchAttribute.FLAGS, FetchAttribute.INTERNALDATE, FetchAttribute.RFC822_SIZE),
    "FULL": (
        FetchAttribute.FLAGS,
        FetchAttribute.INTERNALDATE,
        FetchAttribute.RFC822_SIZE,
        FetchAttribute.ENVELOPE,
        FetchAttribute.BODY,
    ),
}


def expand_macro(name: str) -> tuple[FetchAttribute, ...] | None:
    return _MACROS.get(name)
