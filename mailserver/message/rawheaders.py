"""Byte-exact access to a header block (RFC 5322 §2.2, RFC 3501 §6.4.5 HEADER.FIELDS).

Owns splitting a message or a MIME part into header and body at the first empty line (CRLF CRLF, LF-only input
tolerated) and listing its fields with their offsets, so IMAP can return header fields exactly as they are on the
wire: name case and folding preserved. Never rewrites, re-encodes or re-folds a header, and never raises on
malformed input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CRLF = b"\r\n"
# Fields examined when looking for the envelope, search or Content-* fields. Real messages carry tens; a hostile
# one could carry millions (a 25 MB header), which would cost seconds of CPU at every delivery.
MAX_HEADER_FIELDS = 10_000


@dataclass(frozen=True, slots=True)
class RawField:
    """One header field: `raw[start:end]` is the field with its folding and its line ending, as received."""

    name: bytes  # as written (case kept, trailing blanks before the colon removed); b"" for a line without colon
    start: int
    value_start: int  # just after the colon
    end: int


def body_offset(raw: bytes, start: int = 0, end: int | None = None) -> int:
    """Offset just after the empty line that ends the header block in `raw[start:end]`.

    When there is no empty line, the whole range is header and `end` is returned (RFC 5322 §2.1: the body is
    optional). A range that opens with an empty line has an empty header.
    """
    stop = len(raw) if end is None else end
    if raw.startswith(CRLF, start, stop):
        return start + 2
    if raw.startswith(b"\n", start, stop):
        return start + 1
    crlf = raw.find(b"\n\r\n", start, stop)
    # A bare-LF blank line can only win if it comes first: search before the CRLF one only (a CRLF message has
    # none, and scanning its whole body for one cost more than the rest of the parse for large messages).
    lf = raw.find(b"\n\n", start, stop if crlf < 0 else crlf + 1)
    if crlf < 0 and lf < 0:
        return stop
    if lf < 0 or (0 <= crlf < lf):
        return crlf + 3
    return lf + 2


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """(header block including its empty line, body)."""
    cut = body_offset(raw)
    return raw[:cut], raw[cut:]


def iter_fields(raw: bytes, start: int = 0, end: int | None = None, *, limit: int | None = None) -> list[RawField]:
    """The fields of the header block that begins at `start` (the empty line, if any, is not a field).

    `limit` bounds how many fields are listed (hostile messages may carry millions). The list is shared with
    other callers (see `_last`): never modify it.
    """
    stop = body_offset(raw, start, end)
    last = _last[0]
    if last is not None and last[0] is raw and last[1] == start and last[2] == stop:
        fields, truncated = last[3], last[4]
        if limit is not None and limit <= len(fields):
            return fields[:limit] if limit < len(fields) else fields
        if not truncated:
            return fields
    fields = _scan_fields(raw, start, stop, limit)
    if type(raw) is bytes:  # immutable: its identity stands for its content
        _last[0] = (raw, start, stop, fields, limit is not None and len(fields) >= limit)
    return fields


# The fields of the last header block listed: delivery reads the same message's header block five times (MIME
# tree, search fields, envelope, search row, sort keys), about 20 µs each at 4 KB. Keyed on the bytes object's
# identity; holds one message alive until the next call. A tuple, replaced whole (safe across threads).
_last: list[tuple[bytes, int, int, list[RawField], bool] | None] = [None]


def _scan_fields(raw: bytes, start: int, stop: int, limit: int | None) -> list[RawField]:
    fields: list[RawField] = []
    pos = start
    while pos < stop and (limit is None or len(fields) < limit):
        line_end = _line_end(raw, pos, stop)
        if line_end - pos <= 2 and raw[pos:line_end].strip(b"\r\n") == b"":
            break  # the empty line that ends the header
        field_end = line_end
        while field_end < stop and raw[field_end] in (0x20, 0x09):  # RFC 5322 §2.2.3: folded continuation
            field_end = _line_end(raw, field_end, stop)
        colon = raw.find(b":", pos, line_end)
        if colon < 0:
            fields.append(RawField(b"", pos, pos, field_end))
        else:
            fields.append(RawField(raw[pos:colon].rstrip(b" \t"), pos, colon + 1, field_end))
        pos = field_end
    return fields


def unfold(value: bytes) -> bytes:
    """RFC 5322 §2.2.3 unfolding: line breaks removed, surrounding blanks stripped."""
    if b"\n" in value:
        value = value.replace(b"\r\n", b"").replace(b"\n", b"")
    return value.strip(b" \t\r")


def field_value(raw: bytes, field: RawField) -> bytes:
    """The unfolded value of a field, without its name and colon."""
    return unfold(raw[field.value_start : field.end])


def header_fields(
    raw: bytes, names: Iterable[bytes | str], *, not_: bool = False, start: int = 0, end: int | None = None
) -> bytes:
    """BODY[HEADER.FIELDS (names)] or, with `not_`, BODY[HEADER.FIELDS.NOT (names)] (RFC 3501 §6.4.5).

    Field names match case-insensitively; the selected fields keep their original bytes and order, and the result
    ends with the empty line (CRLF), as the RFC requires.
    """
    wanted = {(n.encode("ascii", "replace") if isinstance(n, str) else n).lower() for n in names}
    out: list[bytes] = []
    for field in iter_fields(raw, start, end):
        selected = bool(field.name) and field.name.lower() in wanted
        if selected != not_:
            chunk = raw[field.start : field.end]
            out.append(chunk if chunk.endswith(b"\n") else chunk + CRLF)
    out.append(CRLF)  # RFC 3501 §6.4.5: the blank line between header and body is included
    return b"".join(out)


def _line_end(raw: bytes, pos: int, stop: int) -> int:
    nl = raw.find(b"\n", pos, stop)
    return stop if nl < 0 else nl + 1


def first_values(raw: bytes, names: frozenset[bytes], start: int = 0, end: int | None = None) -> dict[bytes, bytes]:
    """Unfolded value of the first field of each lower-case name in `names` present in the header block."""
    found: dict[bytes, bytes] = {}
    for field in iter_fields(raw, start, end):
        name = field.name.lower()
        if name in names and name not in found:
            found[name] = field_value(raw, field)
    return found
