"""Grammar of the commands that change messages of the selected mailbox.

Owns STORE (with UNCHANGEDSINCE, RFC 7162 §3.1.3), COPY, MOVE (RFC 6851) and UID EXPUNGE (RFC 4315 §2.1), in their
sequence-number and UID forms. It must never resolve a sequence set against a mailbox: that needs the session.
"""

from __future__ import annotations

import re

from mailserver.imap.parser.commands import Copy, Expunge, Move, Store, StoreMode
from mailserver.imap.parser.flags import read_flag, read_flag_list
from mailserver.imap.parser.lexer import MAX_NUMBER64, Reader
from mailserver.imap.parser.mailbox import read_mailbox

__all__ = ["parse_copy", "parse_expunge", "parse_move", "parse_store"]

# RFC 3501 §9: store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
_STORE_ITEM = re.compile(rb"([+-]?)FLAGS(\.SILENT)?", re.IGNORECASE)
_TOKEN = re.compile(rb"[^ ]+")


def parse_store(reader: Reader, *, uid: bool) -> Store:
    reader.space()
    sequence_set = reader.sequence_set()
    reader.space()
    unchanged_since: int | None = None
    if reader.peek() == 0x28:

        def modifier() -> None:
            nonlocal unchanged_since
            if reader.atom("STORE modifier") != "UNCHANGEDSINCE":
                raise reader.fail("Unknown STORE modifier")
            reader.space()
            unchanged_since = reader.number("UNCHANGEDSINCE", maximum=MAX_NUMBER64)

        reader.parenthesized(modifier, "STORE modifiers", allow_empty=False)
        reader.space()
    found = _STORE_ITEM.fullmatch(reader.match(_TOKEN, "STORE data item"))
    if found is None:
        raise reader.fail("Unknown STORE data item")
    mode = {b"": StoreMode.REPLACE, b"+": StoreMode.ADD, b"-": StoreMode.REMOVE}[found.group(1)]
    silent = bool(found.group(2))
    reader.space()
    if reader.peek() == 0x28:
        flags = read_flag_list(reader)
    else:
        flags_read = [read_flag(reader)]
        while reader.try_space():
            flags_read.append(read_flag(reader))
        flags = tuple(flags_read)
    return Store(sequence_set, mode, flags, silent, uid, unchanged_since)


def parse_copy(reader: Reader, *, uid: bool) -> Copy:
    reader.space()
    sequence_set = reader.sequence_set()
    reader.space()
    return Copy(sequence_set, read_mailbox(reader), uid)


def parse_move(reader: Reader, *, uid: bool) -> Move:
    reader.space()
    sequence_set = reader.sequence_set()
    reader.space()
    return Move(sequence_set, read_mailbox(reader), uid)


def parse_expunge(reader: Reader, *, uid: bool) -> Expunge:
    if not uid:
        return Expunge()
    reader.space()
    return Expunge(reader.sequence_set("UID set"))
