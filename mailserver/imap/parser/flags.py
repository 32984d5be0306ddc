"""Message flags as clients write them (RFC 3501 §2.3.2, §9 `flag`, `flag-list`).

Owns reading one flag or a parenthesised flag list: system flags come out in their canonical case (`\\seen` is
`\\Seen`), keywords keep the client's case, and a keyword may hold "]" (taken as an ASTRING-CHAR). It must never
decide which flags a mailbox accepts: `\\Recent` in APPEND or an unknown `\\Extension` is the command's business.
"""

from __future__ import annotations

import re

from mailserver.imap.parser.lexer import Reader

__all__ = ["SPECIAL_USE_ATTRIBUTES", "SYSTEM_FLAGS", "canonical_flag", "read_flag", "read_flag_list"]

SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "\\Recent")
# RFC 6154 §2 (and RFC 8457 \Important): the attributes CREATE (USE (...)) may name.
SPECIAL_USE_ATTRIBUTES = ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash", "\\Important")
_CANONICAL = {name.upper(): name for name in SYSTEM_FLAGS + SPECIAL_USE_ATTRIBUTES}
# ATOM-CHAR plus "]" (ASTRING-CHAR), 7-bit only.
_KEYWORD = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\]+')


def canonical_flag(flag: str) -> str:
    return _CANONICAL.get(flag.upper(), flag)


def read_flag(reader: Reader) -> str:
    """`\\Name` (system or extension flag) or a keyword atom."""
    backslash = reader.take(b"\\")
    name = reader.match(_KEYWORD, "flag").decode("ascii")
    if reader.peek() not in (None, 0x20, 0x29):  # a flag ends at a space, ")" or the end
        raise reader.fail("Invalid character in flag")
    return canonical_flag("\\" + name) if backslash else name


def read_flag_list(reader: Reader) -> tuple[str, ...]:
    """`(flag *(SP flag))`, possibly empty."""
    return tuple(reader.parenthesized(lambda: read_flag(reader), "flags"))
