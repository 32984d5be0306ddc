"""Message flags as the store keeps them: one text column, flags separated by single spaces, sorted.

Owns validating flags (RFC 3501 §2.3.2 system flags, keywords as atoms per RFC 3501 §9), their canonical spelling
(system flags in their RFC case; a keyword keeps the case it was first stored with, and is compared without case)
and applying STORE's three operations to a stored text. The text is exactly what FETCH FLAGS writes between its
parentheses. Never touches the database.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from mailserver.errors import UsageError

SYSTEM_FLAGS = {f.lower(): f for f in ("\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen")}
SEEN = "\\Seen"
DELETED = "\\Deleted"
MAX_KEYWORD_LENGTH = 100
MAX_FLAGS_PER_MESSAGE = 64
# RFC 3501 §9: atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
_ATOM_SPECIALS = frozenset('(){ %*"\\]') | frozenset(chr(c) for c in range(32)) | {"\x7f"}


class InvalidFlag(UsageError):
    """A flag that cannot be stored: unknown system flag, \\Recent, or a keyword that is not an atom."""


class FlagOperation(enum.StrEnum):
    ADD = "+FLAGS"
    REMOVE = "-FLAGS"
    REPLACE = "FLAGS"


def canonical_flag(flag: str) -> str:
    """`flag` as stored; InvalidFlag when it may not be stored (RFC 3501 §2.3.2: \\Recent is the server's)."""
    if flag.startswith("\\"):
        known = SYSTEM_FLAGS.get(flag.lower())
        if known is None:
            raise InvalidFlag("this system flag cannot be stored", f"flag {flag[:40]!r}")
        return known
    if not flag or len(flag) > MAX_KEYWORD_LENGTH or not flag.isascii() or any(c in _ATOM_SPECIALS for c in flag):
        raise InvalidFlag("invalid keyword", f"keyword {flag[:40]!r}")
    return flag


def canonical_flags(flags: Iterable[str]) -> tuple[str, ...]:
    """Validated, de-duplicated (without case) flags, in the order given."""
    seen: dict[str, str] = {}
    for flag in flags:
        canonical = canonical_flag(flag)
        seen.setdefault(canonical.lower(), canonical)
    return tuple(seen.values())


def flags_text(flags: Iterable[str]) -> str:
    """The stored form of already canonical flags: de-duplicated without case, sorted without case."""
    unique: dict[str, str] = {}
    for flag in flags:
        unique.setdefault(flag.lower(), flag)
    if len(unique) > MAX_FLAGS_PER_MESSAGE:
        raise InvalidFlag("too many keywords on one message", f"{len(unique)} flags")
    return " ".join(unique[key] for key in sorted(unique))


def has_flag(text: str, flag: str) -> bool:
    """Whether the stored `text` holds `flag` (compared without case)."""
    wanted = flag.lower()
    return any(f.lower() == wanted for f in text.split())


def apply_flags(text: str, operation: FlagOperation, flags: tuple[str, ...]) -> str:
    """The stored text after STORE `operation` with canonical `flags` (RFC 3501 §6.4.6)."""
    current = {f.lower(): f for f in text.split()}
    if operation is FlagOperation.REPLACE:
        current = {}
    if operation is FlagOperation.REMOVE:
        for flag in flags:
            current.pop(flag.lower(), None)
    else:
        for flag in flags:
            current.setdefault(flag.lower(), flag)
    return flags_text(current.values())
