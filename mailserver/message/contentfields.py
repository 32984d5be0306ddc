"""MIME header field syntax: Content-Type, Content-Disposition and their parameters (RFC 2045 §5, RFC 2183,
RFC 2231).

Owns tokenising `type/subtype; attr=value` fields tolerantly (comments, missing quotes, stray blanks) and resolving
one parameter to text through RFC 2231 continuations and charsets (and the common, non-standard RFC 2047 words in
quoted file names). Works on wire text: `str` holding the raw bytes one-to-one (Latin-1), so parameter values can
be written back byte-exact. Never raises.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_to_bytes

from mailserver.message.encodedwords import decode_charset, decode_words, wire_text

Params = tuple[tuple[str, str], ...]

# RFC 2045 §5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>; tolerant of 8-bit bytes
_TOKEN = re.compile(r'[^\x00-\x20\x7f()<>@,;:\\"/\[\]?=]+')
_ATTRIBUTE_CHARS = "!#$&+-.^_`|~"  # RFC 2231 §7 attribute-char beyond letters and digits, kept unescaped
_TRAILING_COMMENT = re.compile(r"[ \t]+\(")
_SECTION = re.compile(r"^(.*?)\*(\d{1,3})(\*?)$")


def parse_content_type(value: str) -> tuple[str, str, Params] | None:
    """(type, subtype, params) as written, or None when the value is not `type/subtype` (RFC 2045 §5.2)."""
    pos = _skip_cfws(value, 0)
    main = _TOKEN.match(value, pos)
    if main is None:
        return None
    pos = _skip_cfws(value, main.end())
    if not value.startswith("/", pos):
        return None
    sub = _TOKEN.match(value, _skip_cfws(value, pos + 1))
    if sub is None:
        return None
    return main.group(), sub.group(), parse_params(value, sub.end())


def parse_disposition(value: str) -> tuple[str, Params] | None:
    """(disposition type, params) of a Content-Disposition value (RFC 2183 §2), or None if it has no type."""
    kind = _TOKEN.match(value, _skip_cfws(value, 0))
    if kind is None:
        return None
    return kind.group(), parse_params(value, kind.end())


def parse_params(value: str, pos: int) -> Params:
    """`; attr=value` pairs from `pos` on; quoted values unquoted, attribute names as written."""
    params: list[tuple[str, str]] = []
    size = len(value)
    while pos < size:
        semi = value.find(";", pos)
        if semi < 0:
            break
        pos = _skip_cfws(value, semi + 1)
        attr = _TOKEN.match(value, pos)
        if attr is None:
            continue
        pos = _skip_cfws(value, attr.end())
        if not value.startswith("=", pos):
            continue
        pos = _skip_cfws(value, pos + 1)
        if value.startswith('"', pos):
            text, pos = _quoted(value, pos + 1)
        else:
            end = value.find(";", pos)
            end = size if end < 0 else end
            text = _strip_comment(value[pos:end]).strip(" \t")  # tolerant: `name=my file.pdf`
            pos = end
        params.append((attr.group(), text))
    return tuple(params)


def param(params: Params, name: str) -> str | None:
    """The first plain parameter `name` (case-insensitive), as written."""
    wanted = name.lower()
    for attr, value in params:
        if attr.lower() == wanted:
            return value
    return None


def resolve_param(params: Params, name: str) -> str | None:
    """Parameter `name` decoded to text: RFC 2231 `name*`, `name*0*`, `name*1`... first, then the plain form.

    RFC 2231 §4: the charset and language come from the first section; percent escapes only in `*` sections.
    A plain value that carries RFC 2047 words (what many mailers send for file names) is decoded as well.
    """
    wanted = name.lower()
    plain: str | None = None
    extended: str | None = None
    sections: dict[int, tuple[bool, str]] = {}
    for attr, value in params:
        key = attr.lower()
        if key == wanted:
            plain = value if plain is None else plain
        elif key == wanted + "*":
            extended = value if extended is None else extended
        else:
            match = _SECTION.match(key)
            if match and match.group(1) == wanted:
                sections.setdefault(int(match.group(2)), (bool(match.group(3)), value))
    if sections or extended is not None:
        return _rfc2231(extended, sections)
    if plain is None:
        return None
    return decode_words(wire_text(plain.encode("latin-1")))


def join_continuations(params: Params) -> Params:
    """RFC 2231 §3 continuations joined: `name*0*`, `name*1` become one `name*` (charset'language'%-encoded), or
    one plain `name` when no section is encoded. Other parameters are kept as they are, in order."""
    groups: dict[str, list[tuple[int, bool, str]]] = {}
    for attr, value in params:
        match = _SECTION.match(attr)
        if match:
            groups.setdefault(match.group(1).lower(), []).append((int(match.group(2)), bool(match.group(3)), value))
    if not groups:
        return params
    out: list[tuple[str, str]] = []
    for attr, value in params:
        match = _SECTION.match(attr)
        if match is None:
            out.append((attr, value))
            continue
        sections = groups.pop(match.group(1).lower(), None)
        if sections is None:
            continue  # already joined at the first section
        sections.sort(key=lambda section: section[0])
        if not any(encoded for _index, encoded, _value in sections):
            out.append((match.group(1), "".join(v for _i, _e, v in sections)))
            continue
        pieces = []
        for position, (_index, encoded, text) in enumerate(sections):
            if position == 0 and not (encoded and text.count("'") >= 2):
                pieces.append("''")  # RFC 2231 §4: empty charset and language
            pieces.append(text if encoded else quote(text.encode("latin-1"), safe=_ATTRIBUTE_CHARS))
        out.append((match.group(1) + "*", "".join(pieces)))
    return tuple(out)


def _rfc2231(extended: str | None, sections: dict[int, tuple[bool, str]]) -> str:
    pieces = [(True, extended)] if extended is not None else [sections[i] for i in sorted(sections)]
    charset: str | None = None
    data = bytearray()
    for index, (encoded, value) in enumerate(pieces):
        if encoded and index == 0:
            parts = value.split("'", 2)  # RFC 2231 §4: charset'language'value
            if len(parts) == 3:
                charset, value = parts[0] or None, parts[2]
        data += unquote_to_bytes(value) if encoded else value.encode("latin-1")
    if charset is None:
        return wire_text(bytes(data))
    return decode_charset(bytes(data), charset)


def _quoted(value: str, pos: int) -> tuple[str, int]:
    """Contents of a quoted string starting after its opening quote; unterminated runs to the end."""
    out: list[str] = []
    size = len(value)
    while pos < size:
        ch = value[pos]
        if ch == '"':
            return "".join(out), pos + 1
        if ch == "\\" and pos + 1 < size:  # RFC 5322 §3.2.1 quoted-pair
            pos += 1
            ch = value[pos]
        out.append(ch)
        pos += 1
    return "".join(out), pos


def _skip_cfws(value: str, pos: int) -> int:
    """Skip blanks and (nested) comments (RFC 5322 §3.2.2)."""
    size = len(value)
    while pos < size:
        ch = value[pos]
        if ch in " \t\r\n":
            pos += 1
        elif ch == "(":
            depth = 0
            while pos < size:
                ch = value[pos]
                if ch == "\\":
                    pos += 1
                elif ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                    if depth == 0:
                        break
                pos += 1
            pos += 1
        else:
            break
    return pos


def _strip_comment(text: str) -> str:
    """Drop a trailing comment such as `us-ascii (Plain text)` (RFC 2045 §5.1 example), keep `file(1).pdf`."""
    match = _TRAILING_COMMENT.search(text)
    return text if match is None else text[: match.start()]
