"""Tokens of an IMAP command: atoms, strings, literals, numbers and spaces (RFC 3501 §4, §9; RFC 9051 §9).

Owns the `Reader`, a cursor over a framed `RawCommand` that the command grammars pull tokens from. It is liberal
where clients are known to stray (runs of spaces, trailing spaces, any backslash escape in a quoted string, 8-bit
text in strings), strict where a mistake would change meaning. It must never raise anything but `ParseError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from mailserver.imap.parser.errors import ParseError, ResponseStatus
from mailserver.imap.parser.framing import TAG, RawCommand
from mailserver.imap.sequence import InvalidSequenceSet, SequenceSet

__all__ = ["MAX_NUMBER32", "MAX_NUMBER64", "Reader"]

T = TypeVar("T")

MAX_NUMBER32 = 2**32 - 1  # RFC 3501 §9: number is an unsigned 32-bit integer
MAX_NUMBER64 = 2**63 - 1  # RFC 9051 §9: number64; RFC 7162 §7: mod-sequence-value

# RFC 3501 §9: ATOM-CHAR is any CHAR except atom-specials: ( ) { SP CTL % * " \ ]
_ATOM = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\\]]+')
# ASTRING-CHAR adds "]"; 8-bit octets are taken too (some clients send raw UTF-8 names unquoted).
_ASTRING_ATOM = re.compile(rb'[^\x00-\x20\x7f(){%*"\\]+')
# list-char adds the wildcards "%" and "*" (RFC 3501 §9 list-mailbox).
_LIST_ATOM = re.compile(rb'[^\x00-\x20\x7f(){"\\]+')
# Any escape is taken as the escaped octet; RFC 3501 allows only \" and \\ but clients vary.
_QUOTED = re.compile(rb'"((?:[^"\\\r\n\x00]|\\[^\r\n\x00])*)"')
_ESCAPE = re.compile(rb"\\(.)", re.DOTALL)
_LITERAL_MARKER = re.compile(rb"(~?)\{([0-9]+)\+?\}")
_DIGITS = re.compile(rb"[0-9]+")
_SEQUENCE_SET = re.compile(rb"[0-9:*,$]+")


class Reader:
    """A cursor over a command. Each method consumes one token or raises `ParseError` (with the command's tag)."""

    def __init__(self, raw: RawCommand, *, utf8: bool = False) -> None:
        segments = list(raw.segments)
        segments[-1] = segments[-1].rstrip(b" ")  # trailing spaces are forgiven
        self._segments = segments
        self._literals = raw.literals
        self._index = 0
        self._text = segments[0]
        self._pos = 0
        self.utf8 = utf8
        self.tag: str | None = None

    # ---------------------------------------------------------------- errors and position

    def fail(self, text: str, *, code: str | None = None, status: ResponseStatus = "BAD") -> ParseError:
        detail = f"{text} (line {self._index + 1}, offset {self._pos})"
        return ParseError(self.tag, text, detail, code=code, status=status)

    def at_end(self) -> bool:
        return self._index == len(self._segments) - 1 and self._pos >= len(self._text)

    def expect_end(self) -> None:
        if not self.at_end():
            raise self.fail("Unexpected extra arguments")

    def peek(self) -> int | None:
        """The next octet of the current line, or None at the end of a line (before a literal or at the end)."""
        return self._text[self._pos] if self._pos < len(self._text) else None

    def peek_is(self, prefix: bytes) -> bool:
        return self._text.startswith(prefix, self._pos)

    def peek_word(self, *words: bytes) -> bool:
        """Whether the next token is one of `words` (case-insensitive), followed by a delimiter."""
        for word in words:
            end = self._pos + len(word)
            if self._text[self._pos : end].upper() == word and (end == len(self._text) or self._text[end] in b" ()"):
                return True
        return False

    # ---------------------------------------------------------------- delimiters

    def space(self) -> None:
        """One SP (runs of spaces are accepted)."""
        if self.peek() != 0x20:
            raise self.fail("Missing argument" if self.at_end() or self.at_close() else "Expected a space")
        while self.peek() == 0x20:
            self._pos += 1

    def try_space(self) -> bool:
        if self.peek() == 0x20:
            self.space()
            return True
        return False

    def expect(self, token: bytes, what: str) -> None:
        if not self._text.startswith(token, self._pos):
            raise self.fail(f"Expected {what}")
        self._pos += len(token)

    def take(self, token: bytes) -> bool:
        if self._text.startswith(token, self._pos):
            self._pos += len(token)
            return True
        return False

    def open_paren(self, what: str) -> None:
        self.expect(b"(", f"'(' before {what}")

    def close_paren(self, what: str) -> None:
        self._skip_spaces()  # "(A B )" is forgiven
        self.expect(b")", f"')' after {what}")

    def at_close(self) -> bool:
        return self.peek() == 0x29

    def _skip_spaces(self) -> bool:
        start = self._pos
        while self.peek() == 0x20:
            self._pos += 1
        return self._pos > start

    def parenthesized(self, read_item: Callable[[], T], what: str, *, allow_empty: bool = True) -> list[T]:
        """`"(" [item *(SP item)] ")"`; spaces after "(" and before ")" are forgiven."""
        self.open_paren(what)
        items: list[T] = []
        while True:
            spaced = self._skip_spaces()
            if self.take(b")"):
                break
            if self.peek() is None:
                raise self.fail(f"Expected ')' after {what}")
            if items and not spaced:
                raise self.fail(f"Expected a space between {what}")
            items.append(read_item())
        if not items and not allow_empty:
            raise self.fail(f"Empty list of {what}")
        return items

    # ---------------------------------------------------------------- tokens

    def match(self, pattern: re.Pattern[bytes], what: str) -> bytes:
        found = pattern.match(self._text, self._pos)
        if found is None or found.end() == self._pos:
            raise self.fail(f"Expected {what}" if not self.at_end() else f"Missing {what}")
        self._pos = found.end()
        return found.group()

    def tag_token(self) -> str:
        found = TAG.match(self._text, self._pos)
        if found is None or self._pos != 0 or self._text[found.end() : found.end() + 1] not in (b"", b" "):
            raise self.fail("Invalid tag")
        self._pos = found.end()
        self.tag = found.group().decode("ascii")
        return self.tag

    def atom(self, what: str) -> str:
        """An atom, upper-cased: for keywords (command names, options, search keys)."""
        return self.match(_ATOM, what).decode("ascii").upper()

    def atom_raw(self, what: str) -> str:
        """An atom as written: for flag keywords, whose case the store keeps."""
        return self.match(_ATOM, what).decode("ascii")

    def _at_string(self) -> bool:
        return self.peek() in (0x22, 0x7B) or self.peek_is(b"~{")  # quoted, literal, literal8

    def astring(self, what: str) -> bytes:
        if self._at_string():
            return self.string(what)
        return self.match(_ASTRING_ATOM, what)

    def list_mailbox(self, what: str) -> bytes:
        if self._at_string():
            return self.string(what)
        return self.match(_LIST_ATOM, what)

    def string(self, what: str) -> bytes:
        """A quoted string or a literal (literal8 is refused: RFC 3516 allows it only in APPEND)."""
        if self.peek() == 0x22:
            found = _QUOTED.match(self._text, self._pos)
            if found is None:
                raise self.fail(f"Unterminated quoted string in {what}")
            self._pos = found.end()
            return _ESCAPE.sub(rb"\1", found.group(1))
        data, binary = self.literal(what)
        if binary:
            raise self.fail(f"literal8 not allowed in {what}")
        return data

    def nstring(self, what: str) -> bytes | None:
        if self.peek_word(b"NIL"):
            self._pos += 3
            return None
        return self.string(what)

    def literal(self, what: str) -> tuple[bytes, bool]:
        """A literal `{n}`, `{n+}` or literal8 `~{n}`: its data, and whether it was literal8."""
        found = _LITERAL_MARKER.fullmatch(self._text, self._pos)
        if found is None or self._index >= len(self._literals):
            if self.at_end():
                raise self.fail(f"Missing {what}")
            raise self.fail(f"Expected {what}")
        data = self._literals[self._index]
        self._index += 1
        self._text = self._segments[self._index]
        self._pos = 0
        return data, bool(found.group(1))

    def number(self, what: str, *, nonzero: bool = False, maximum: int = MAX_NUMBER32) -> int:
        digits = self.match(_DIGITS, what)
        if len(digits) > 20 or int(digits) > maximum:
            raise self.fail(f"Number too large in {what}")
        value = int(digits)
        if nonzero and value == 0:
            raise self.fail(f"Zero is not allowed in {what}")
        return value

    def sequence_set(self, what: str = "sequence set") -> SequenceSet:
        try:
            return SequenceSet.parse(self.match(_SEQUENCE_SET, what))
        except InvalidSequenceSet as exc:
            raise self.fail(f"Invalid {what}") from exc

    def text_until_end(self) -> bytes:
        """The rest of the current line, as is (for base64 SASL initial responses)."""
        rest = self._text[self._pos :]
        self._pos = len(self._text)
        return rest
