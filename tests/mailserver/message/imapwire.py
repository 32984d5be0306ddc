"""A minimal reader of IMAP response data (lists, NIL, numbers, quoted strings, literals) for the tests.

It checks that what the message layer writes is well-formed RFC 3501 §9 syntax: balanced lists, escapes only
of `"` and `\\` in quoted strings, 7-bit quoted strings without CR/LF, literal counts that match.
"""

from __future__ import annotations

Item = bytes | int | None | list["Item"]


def read(data: bytes) -> Item:
    """The single item `data` holds; raises ValueError when it is not exactly one well-formed item."""
    item, pos = _item(data, 0)
    if pos != len(data):
        raise ValueError(f"trailing bytes at {pos}")
    return item


def _item(data: bytes, pos: int) -> tuple[Item, int]:
    if data.startswith(b"(", pos):
        items: list[Item] = []
        pos += 1
        while not data.startswith(b")", pos):
            if items:
                if not data.startswith(b" ", pos) and not data.startswith(b"(", pos):
                    raise ValueError(f"missing separator at {pos}")
                pos += 1 if data.startswith(b" ", pos) else 0
            if pos >= len(data):
                raise ValueError("unterminated list")
            item, pos = _item(data, pos)
            items.append(item)
        return items, pos + 1
    if data.startswith(b"NIL", pos):
        return None, pos + 3
    if data.startswith(b'"', pos):
        out = bytearray()
        pos += 1
        while pos < len(data) and data[pos] != 0x22:
            byte = data[pos]
            if byte == 0x5C:
                pos += 1
                if pos >= len(data) or data[pos] not in b'"\\':
                    raise ValueError("bad quoted-pair")
                byte = data[pos]
            if byte in b"\r\n\x00" or byte > 0x7F:
                raise ValueError("byte not allowed in a quoted string")
            out.append(byte)
            pos += 1
        if pos >= len(data):
            raise ValueError("unterminated quoted string")
        return bytes(out), pos + 1
    if data.startswith(b"{", pos):
        close = data.index(b"}\r\n", pos)
        count = int(data[pos + 1 : close])
        start = close + 3
        if start + count > len(data) or 0 in data[start : start + count]:
            raise ValueError("bad literal")
        return data[start : start + count], start + count
    end = pos
    while end < len(data) and data[end : end + 1].isdigit():
        end += 1
    if end == pos:
        raise ValueError(f"unexpected byte at {pos}: {data[pos : pos + 10]!r}")
    return int(data[pos:end]), end
