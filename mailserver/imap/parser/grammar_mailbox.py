"""Grammar of the commands that act on a mailbox by name (RFC 3501 §6.3 and extensions).

Owns SELECT and EXAMINE (with CONDSTORE and QRESYNC parameters, RFC 7162 §3.1.8, §3.2.5), CREATE (with USE,
RFC 6154 §3), DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, STATUS, LSUB and APPEND (flags and date optional, literal8
allowed, RFC 3516 §4.4). LIST, which has a grammar of its own, is in `grammar_list`. It must never look a mailbox up.
"""

from __future__ import annotations

from mailserver.imap.parser.commands import (
    Append,
    Create,
    Delete,
    Examine,
    Lsub,
    QresyncParameters,
    Rename,
    Select,
    Status,
    StatusItem,
    Subscribe,
    Unsubscribe,
)
from mailserver.imap.parser.dates import parse_date_time
from mailserver.imap.parser.flags import read_flag, read_flag_list
from mailserver.imap.parser.lexer import MAX_NUMBER64, Reader
from mailserver.imap.parser.mailbox import read_list_pattern, read_mailbox
from mailserver.imap.sequence import SequenceSet

__all__ = [
    "parse_append",
    "parse_create",
    "parse_delete",
    "parse_lsub",
    "parse_rename",
    "parse_select",
    "parse_status",
    "parse_subscribe",
    "parse_unsubscribe",
    "read_status_items",
]


def _qresync(reader: Reader) -> QresyncParameters:
    reader.space()
    reader.open_paren("QRESYNC parameters")
    uidvalidity = reader.number("UIDVALIDITY", nonzero=True)
    reader.space()
    modseq = reader.number("mod-sequence", maximum=MAX_NUMBER64)
    known_uids: SequenceSet | None = None
    known_seqs: SequenceSet | None = None
    known_seq_uids: SequenceSet | None = None
    if reader.try_space() and not reader.at_close():
        if reader.peek() != 0x28:
            known_uids = reader.sequence_set("known UIDs")
            reader.try_space()
        if reader.peek() == 0x28:
            # RFC 7162 §3.2.5: seq-match-data = "(" known-sequence-set SP known-uid-set ")"
            reader.open_paren("sequence match data")
            known_seqs = reader.sequence_set("known sequence set")
            reader.space()
            known_seq_uids = reader.sequence_set("known UID set")
            reader.close_paren("sequence match data")
    reader.close_paren("QRESYNC parameters")
    return QresyncParameters(uidvalidity, modseq, known_uids, known_seqs, known_seq_uids)


def parse_select(reader: Reader, *, read_only: bool) -> Select | Examine:
    reader.space()
    mailbox = read_mailbox(reader)
    condstore = False
    qresync: QresyncParameters | None = None
    if reader.try_space():

        def parameter() -> None:
            nonlocal condstore, qresync
            name = reader.atom("SELECT parameter")
            if name == "CONDSTORE":
                condstore = True
            elif name == "QRESYNC":
                qresync = _qresync(reader)
            else:
                raise reader.fail("Unknown SELECT parameter")

        reader.parenthesized(parameter, "SELECT parameters")
    kind = Examine if read_only else Select
    return kind(mailbox, condstore, qresync)


def parse_create(reader: Reader) -> Create:
    reader.space()
    mailbox = read_mailbox(reader)
    special_use: list[str] = []
    if reader.try_space():

        def parameter() -> None:
            if reader.atom("CREATE parameter") != "USE":
                raise reader.fail("Unknown CREATE parameter")
            reader.space()
            special_use.extend(reader.parenthesized(lambda: read_flag(reader), "special-use attributes"))

        reader.parenthesized(parameter, "CREATE parameters")
    return Create(mailbox, tuple(special_use))


def parse_delete(reader: Reader) -> Delete:
    reader.space()
    return Delete(read_mailbox(reader))


def parse_rename(reader: Reader) -> Rename:
    reader.space()
    source = read_mailbox(reader)
    reader.space()
    return Rename(source, read_mailbox(reader))


def parse_subscribe(reader: Reader) -> Subscribe:
    reader.space()
    return Subscribe(read_mailbox(reader))


def parse_unsubscribe(reader: Reader) -> Unsubscribe:
    reader.space()
    return Unsubscribe(read_mailbox(reader))


def parse_lsub(reader: Reader) -> Lsub:
    reader.space()
    reference = read_mailbox(reader)
    reader.space()
    return Lsub(reference, read_list_pattern(reader))


def _status_item(reader: Reader) -> StatusItem:
    name = reader.atom("status item")
    try:
        return StatusItem(name)
    except ValueError as exc:
        raise reader.fail("Unknown status item") from exc


def read_status_items(reader: Reader) -> tuple[StatusItem, ...]:
    """`"(" status-att *(SP status-att) ")"`: at least one item (RFC 3501 §9)."""
    return tuple(reader.parenthesized(lambda: _status_item(reader), "status items", allow_empty=False))


def parse_status(reader: Reader) -> Status:
    reader.space()
    mailbox = read_mailbox(reader)
    reader.space()
    return Status(mailbox, read_status_items(reader))


def parse_append(reader: Reader) -> Append:
    reader.space()
    mailbox = read_mailbox(reader)
    reader.space()
    flags: tuple[str, ...] = ()
    if reader.peek() == 0x28:  # the flag list is optional (RFC 3501 §6.3.11); mbsync omits it
        flags = read_flag_list(reader)
        reader.space()
    internal_date = None
    if reader.peek() == 0x22:
        text = reader.string("date-time")
        try:
            internal_date = parse_date_time(text)
        except ValueError as exc:
            raise reader.fail("Invalid date-time") from exc
        reader.space()
    message, binary = reader.literal("message literal")
    return Append(mailbox, message, flags, internal_date, binary)
