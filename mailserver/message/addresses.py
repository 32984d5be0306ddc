"""Address lists of RFC 5322 §3.4 (From, To, Cc, Bcc, Sender, Reply-To), parsed tolerantly.

Owns turning a header value into mailboxes and groups (display name, route, local part, domain) the way IMAP's
ENVELOPE needs them (RFC 3501 §7.4.2), plus the normalised form used to compare addresses (lower case, IDNA
domain, UTF-8 local parts allowed as with SMTPUTF8, RFC 6531). Display names keep RFC 2047 words as written; the
`display_name` property decodes them. Never raises, whatever the header holds.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from mailserver.message.encodedwords import decode_words

# A lexeme: (kind, text, preceded_by_blank). Kinds: "atom", "quoted", "literal" or the special character itself.
_Lexeme = tuple[str, str, bool]
_ATOM = re.compile(r'[^\s()<>\[\]:;@\\,."]+')
_SPECIALS = frozenset(',:;@.<>"')
_DOT_ATOM = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\x80-\U0010ffff-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\x80-\U0010ffff-]+)*"
)
_WORDS = frozenset(("atom", "quoted", "literal", "."))


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox. `name` is the display phrase as written (encoded words kept), None when absent."""

    name: str | None
    mailbox: str | None  # local part, unquoted
    host: str | None  # domain, or None when the address has none (`root`, `<postmaster>`)
    route: str | None = None  # obsolete source route `@a,@b` (RFC 5322 §4.4)
    group: str | None = None  # the group this mailbox was listed in, if any

    @property
    def display_name(self) -> str | None:
        """The display name with RFC 2047 words decoded."""
        return None if self.name is None else decode_words(self.name)

    @property
    def addr_spec(self) -> str:
        """`local@domain`, the local part quoted again when it is not a dot-atom (RFC 5322 §3.4.1)."""
        local = self.mailbox or ""
        if local and not _DOT_ATOM.fullmatch(local):
            local = '"' + local.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return local if self.host is None else f"{local}@{self.host}"

    @property
    def normalised(self) -> str:
        """The address as compared and looked up: see `normalise_address`."""
        return normalise_address(self.addr_spec)


@dataclass(frozen=True, slots=True)
class Group:
    """An RFC 5322 group: `name: member, member;` (members may be none: `undisclosed-recipients:;`)."""

    name: str
    members: tuple[Address, ...]


def parse_address_entries(value: str) -> list[Address | Group]:
    """The mailboxes and groups of an address-list header value, in order."""
    if len(value) <= _CACHED_VALUE_CHARS:
        return list(_cached_entries(value))
    return _parse_entries(value)


# The same From, To and Cc values come back message after message (a hospital system, a colleague): parsing an
# address list is the dearest part of a delivery's header work, so recent results are kept (entries are frozen).
_CACHED_VALUE_CHARS = 998  # one header line's worth (RFC 5322 §2.1.1): hostile giants are never kept
_CACHED_VALUES = 1024


@functools.lru_cache(maxsize=_CACHED_VALUES)
def _cached_entries(value: str) -> tuple[Address | Group, ...]:
    return tuple(_parse_entries(value))


def _parse_entries(value: str) -> list[Address | Group]:
    lexemes = _lex(value)
    entries: list[Address | Group] = []
    pos, size = 0, len(lexemes)
    while pos < size:
        kind = lexemes[pos][0]
        if kind in (",", ";", ">"):
            pos += 1
            continue
        start = pos
        while pos < size and lexemes[pos][0] in _WORDS:
            pos += 1
        if pos < size and lexemes[pos][0] == ":":
            name = _phrase(lexemes[start:pos])
            members, pos = _group_members(lexemes, pos + 1, name)
            entries.append(Group(name, members))
            continue
        address, pos = _mailbox(lexemes, start, None)
        if address is not None:
            entries.append(address)
    return entries


def parse_address_list(value: str) -> list[Address]:
    """Every mailbox of an address-list header value; group members carry their group's name."""
    out: list[Address] = []
    for entry in parse_address_entries(value):
        if isinstance(entry, Group):
            out.extend(entry.members)
        else:
            out.append(entry)
    return out


def normalise_address(address: str) -> str:
    """Lower-cased `local@domain` with the domain in IDNA ASCII form when it converts (RFC 5890), else kept in
    Unicode lower case: UTF-8 local parts and domains (SMTPUTF8) are accepted, never rejected."""
    address = address.strip().strip("<>")
    local, at, domain = address.rpartition("@")
    if not at:
        return address.lower()
    return f"{local.lower()}@{normalise_domain(domain)}"


def normalise_domain(domain: str) -> str:
    """A domain in lower-case ASCII (A-labels), or lower-case Unicode when IDNA refuses it; no trailing dot."""
    domain = domain.strip().rstrip(".").lower()
    if domain.isascii() or domain.startswith("["):
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def _group_members(lexemes: list[_Lexeme], pos: int, group: str) -> tuple[tuple[Address, ...], int]:
    members: list[Address] = []
    size = len(lexemes)
    while pos < size:
        kind = lexemes[pos][0]
        if kind == ";":
            return tuple(members), pos + 1
        if kind in (",", ">", ":"):
            pos += 1
            continue
        address, pos = _mailbox(lexemes, pos, group)
        if address is not None:
            members.append(address)
    return tuple(members), pos


def _mailbox(lexemes: list[_Lexeme], pos: int, group: str | None) -> tuple[Address | None, int]:
    """One mailbox from `pos`; returns it (None if there was nothing) and the position after it."""
    size = len(lexemes)
    start = pos
    while pos < size and lexemes[pos][0] in _WORDS:
        pos += 1
    words = lexemes[start:pos]
    if pos < size and lexemes[pos][0] == "<":
        route, local, host, pos = _angle(lexemes, pos + 1)
        pos = _skip_to_separator(lexemes, pos)
        return Address(_phrase(words) or None, local, host, route, group), pos
    if pos < size and lexemes[pos][0] == "@":
        name_part, local_part = _split_phrase_from_local(words)
        end = pos + 1
        while end < size and lexemes[end][0] in _WORDS:
            end += 1
        host = _joined(lexemes[pos + 1 : end])
        pos = _skip_to_separator(lexemes, end)
        return Address(_phrase(name_part) or None, _joined(local_part) or None, host or None, None, group), pos
    pos = _skip_to_separator(lexemes, pos)
    if not words:
        return None, pos
    return Address(None, _joined(words), None, None, group), pos  # a bare local part: `root`


def _angle(lexemes: list[_Lexeme], pos: int) -> tuple[str | None, str | None, str | None, int]:
    """route, local part, domain inside `<...>`; `pos` is just after `<`."""
    size = len(lexemes)
    end = pos
    while end < size and lexemes[end][0] != ">":
        end += 1
    inside = lexemes[pos:end]
    route: str | None = None
    if inside and inside[0][0] == "@":
        colon = next((i for i, lex in enumerate(inside) if lex[0] == ":"), -1)
        if colon >= 0:  # RFC 5322 §4.4 obs-route
            route = "".join(lex[1] for lex in inside[:colon]) or None
            inside = inside[colon + 1 :]
    at = next((i for i in range(len(inside) - 1, -1, -1) if inside[i][0] == "@"), -1)
    if at < 0:
        local = _joined(inside)
        return route, local or None, None, end + 1
    return route, _joined(inside[:at]) or None, _joined(inside[at + 1 :]) or None, end + 1


def _split_phrase_from_local(words: list[_Lexeme]) -> tuple[list[_Lexeme], list[_Lexeme]]:
    """Tolerance for `John Doe john@x` (angle brackets missing): the last blank-free run is the local part."""
    cut = len(words)
    while cut > 0:
        cut -= 1
        if words[cut][2] and cut > 0:
            return words[:cut], words[cut:]
    return [], words


def _skip_to_separator(lexemes: list[_Lexeme], pos: int) -> int:
    size = len(lexemes)
    while pos < size and lexemes[pos][0] not in (",", ";"):
        pos += 1
    return pos


def _phrase(words: list[_Lexeme]) -> str:
    """Display words as written, one blank where the header had blanks (RFC 5322 §3.2.5 phrase)."""
    out: list[str] = []
    for index, (_kind, text, blank) in enumerate(words):
        if index and blank:
            out.append(" ")
        out.append(text)
    return "".join(out)


def _joined(words: list[_Lexeme]) -> str:
    return "".join(text for _kind, text, _blank in words)


def _lex(value: str) -> list[_Lexeme]:
    lexemes: list[_Lexeme] = []
    pos, size = 0, len(value)
    blank = False
    while pos < size:
        ch = value[pos]
        if ch in " \t\r\n":
            blank = True
            pos += 1
        elif ch == "(":
            pos = _skip_comment(value, pos)
            blank = True
        elif ch == '"':
            text, pos = _quoted(value, pos + 1)
            lexemes.append(("quoted", text, blank))
            blank = False
        elif ch == "[":
            close = value.find("]", pos)
            end = size if close < 0 else close + 1
            lexemes.append(("literal", value[pos:end], blank))
            pos, blank = end, False
        elif ch in _SPECIALS:
            lexemes.append((ch, ch, blank))
            pos, blank = pos + 1, False
        else:
            match = _ATOM.match(value, pos)
            end = pos + 1 if match is None else match.end()  # a stray `]` or `\\` stands alone
            lexemes.append(("atom", value[pos:end], blank))
            pos, blank = end, False
    return lexemes


def _quoted(value: str, pos: int) -> tuple[str, int]:
    out: list[str] = []
    size = len(value)
    while pos < size:
        ch = value[pos]
        if ch == '"':
            return "".join(out), pos + 1
        if ch == "\\" and pos + 1 < size:  # RFC 5322 §3.2.1 quoted-pair
            pos += 1
            ch = value[pos]
        if ch not in "\r\n":
            out.append(ch)
        pos += 1
    return "".join(out), pos


def _skip_comment(value: str, pos: int) -> int:
    depth, size = 0, len(value)
    while pos < size:
        ch = value[pos]
        if ch == "\\":
            pos += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return pos + 1
        pos += 1
    return size
