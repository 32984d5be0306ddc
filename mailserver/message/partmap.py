"""The compact, storable map of where each MIME part lies in the message bytes.

Owns the offsets-only view of a `MimePart` tree that the store keeps beside the blob, so IMAP can serve any
BODY[section] without parsing the message again, and its JSON-able form. Never holds header values or content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mailserver.message.mime import MimePart


@dataclass(frozen=True, slots=True)
class PartMap:
    """Offsets of one part: `raw[header_start:body_start]` is its header, `raw[body_start:end]` its body."""

    header_start: int
    body_start: int
    end: int
    children: tuple[PartMap, ...] = ()  # body parts of a multipart
    message: PartMap | None = None  # the encapsulated message of a message/rfc822 part


def part_map(part: MimePart) -> PartMap:
    """The offsets of `part` and everything under it."""
    return PartMap(
        part.header_start,
        part.body_start,
        part.end,
        tuple(part_map(child) for child in part.children),
        None if part.message is None else part_map(part.message),
    )


def map_to_jsonable(layout: PartMap) -> list[Any]:
    """`[h, b, e]` for a leaf, `[h, b, e, [children]]` for a multipart, `[h, b, e, [], message]` for an rfc822."""
    out: list[Any] = [layout.header_start, layout.body_start, layout.end]
    if layout.message is not None:
        out += [[], map_to_jsonable(layout.message)]
    elif layout.children:
        out.append([map_to_jsonable(child) for child in layout.children])
    return out


def map_from_jsonable(data: Any) -> PartMap:
    """The inverse of `map_to_jsonable`; raises ValueError when `data` is not such a map."""
    if not isinstance(data, list) or not 3 <= len(data) <= 5:
        raise ValueError("a part map is a list of 3 to 5 items")
    header_start, body_start, end = data[0], data[1], data[2]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (header_start, body_start, end)):
        raise ValueError("part offsets must be integers")
    if not 0 <= header_start <= body_start <= end:
        raise ValueError("part offsets must be ordered")
    kids = data[3] if len(data) > 3 else []
    if not isinstance(kids, list):
        raise ValueError("part children must be a list")
    children = tuple(map_from_jsonable(child) for child in kids)
    message = map_from_jsonable(data[4]) if len(data) > 4 and data[4] is not None else None
    return PartMap(header_start, body_start, end, children, message)
