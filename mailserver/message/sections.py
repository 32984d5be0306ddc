"""BODY[section]<partial> extraction (RFC 3501 §6.4.5 FETCH, RFC 9051 §6.4.5).

Owns parsing a section specification (`1.2.MIME`, `HEADER.FIELDS (From To)`, `TEXT`...) and cutting the
matching bytes out of the raw message with a `PartMap`, including the RFC's special cases: part 1 of a
non-multipart message is its body; HEADER and TEXT after a part number address the message inside a message/rfc822
part; MIME is a part's own header. Never parses the message again, never reads past the bytes given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailserver.errors import CaduceeError
from mailserver.message.mime import MimePart
from mailserver.message.partmap import PartMap, part_map
from mailserver.message.rawheaders import header_fields

_MSGTEXT = ("HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT")
_PART_NUMBER = re.compile(r"[1-9][0-9]{0,8}")  # RFC 3501 §9 nz-number, bounded
_FIELD_NAME = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s"()]+)')


class BadSection(CaduceeError):
    """A section specification the RFC grammar does not allow; the IMAP command is answered BAD."""


@dataclass(frozen=True, slots=True)
class Section:
    """A parsed section: part path (empty for the whole message), text specifier, header field names."""

    part: tuple[int, ...] = ()
    text: str | None = None  # HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT, MIME or None
    fields: tuple[str, ...] = ()


def parse_section(spec: str) -> Section:
    """The section between FETCH's brackets (RFC 3501 §9 section-spec); raises BadSection if malformed."""
    head, field_list = spec.strip(), None
    if "(" in head:
        head, _, rest = head.partition("(")
        head = head.rstrip()
        if not rest.rstrip().endswith(")"):
            raise BadSection("invalid section", "unterminated header field list")
        field_list = rest.rstrip()[:-1]
    tokens = head.split(".") if head else []
    part: list[int] = []
    while tokens and _PART_NUMBER.fullmatch(tokens[0]):
        part.append(int(tokens.pop(0)))
    text = ".".join(tokens).upper()
    allowed = (*_MSGTEXT, "MIME") if part else _MSGTEXT
    if tokens and text not in allowed:
        raise BadSection("invalid section", f"section {spec[:80]!r}")
    if (field_list is not None) != text.startswith("HEADER.FIELDS"):
        raise BadSection("invalid section", "HEADER.FIELDS needs a field list, and only it")
    fields = tuple(q or a for q, a in _FIELD_NAME.findall(field_list or ""))
    if field_list is not None and not fields:
        raise BadSection("invalid section", "empty header field list")  # RFC 3501 §9: header-list 1*astring
    return Section(tuple(part), text or None, fields)


def resolve_part(layout: PartMap, path: tuple[int, ...]) -> PartMap | None:
    """The part a part path names, or None when the message has no such part (RFC 3501 §6.4.5)."""
    node = layout
    in_message = True  # the next number addresses the parts of a message (the top one, or an encapsulated one)
    for number in path:
        if not in_message and node.message is not None:
            node, in_message = node.message, True  # numbers after an rfc822 part address its message's parts
        if node.children:
            if number > len(node.children):
                return None
            node = node.children[number - 1]
        elif not (in_message and number == 1):  # only a message has a part 1 that is its own body
            return None
        in_message = False
    return node


def section_bytes(raw: bytes, tree: PartMap | MimePart, section: Section | str) -> bytes:
    """The bytes of BODY[section]; empty when the section names a part the message does not have."""
    layout = part_map(tree) if isinstance(tree, MimePart) else tree
    spec = parse_section(section) if isinstance(section, str) else section
    node = resolve_part(layout, spec.part)
    if node is None:
        return b""
    if spec.part:
        if spec.text is None:
            return raw[node.body_start : node.end]
        if spec.text == "MIME":
            return raw[node.header_start : node.body_start]
        if node.message is None:
            return b""  # HEADER and TEXT after a part number only exist for message/rfc822 parts
        node = node.message
    elif spec.text is None:
        return raw[node.header_start : node.end]
    if spec.text == "TEXT":
        return raw[node.body_start : node.end]
    if spec.text == "HEADER":
        return raw[node.header_start : node.body_start]
    return header_fields(
        raw, spec.fields, not_=spec.text == "HEADER.FIELDS.NOT", start=node.header_start, end=node.body_start
    )


def partial(data: bytes, origin: int, length: int | None = None) -> bytes:
    """BODY[...]<origin.length> (RFC 3501 §6.4.5): the octets from `origin`, at most `length` of them."""
    origin = max(origin, 0)
    if length is None:
        return data[origin:]
    return data[origin : origin + max(length, 0)]
