"""Typed IMAP commands: one frozen dataclass per command (RFC 3501 §6, RFC 9051 §6, and the extensions we offer).

Owns the values the parser produces and the command modules consume. Mailbox names are decoded text, sequence sets
are `SequenceSet`s, flags keep the keyword's case (system flags are written canonically, `\\Seen`), and UID
variants are the same class with `uid=True`. It must never know about sessions, states or the store.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from mailserver.imap.parser.fetch_items import FetchItem
from mailserver.imap.parser.search_keys import SearchKey
from mailserver.imap.sequence import SequenceSet

__all__ = [
    "Append", "Authenticate", "Capability", "Check", "Close", "Command", "Copy", "Create", "Delete", "Enable",
    "Examine", "Expunge", "Fetch", "Id", "Idle", "List", "ListReturnOption", "ListSelectOption", "Login", "Logout",
    "Lsub", "Move", "Namespace", "Noop", "QresyncParameters", "Rename", "Search", "SearchReturnOption", "Select",
    "Sort", "SortCriterion", "SortKey", "StartTls", "Status", "StatusItem", "Store", "StoreMode", "Subscribe",
    "TaggedCommand", "Thread", "ThreadAlgorithm", "Unselect", "Unsubscribe",
]  # fmt: skip


# ---------------------------------------------------------------- any state (RFC 3501 §6.1, §6.2)


@dataclass(frozen=True, slots=True)
class Capability:
    pass


@dataclass(frozen=True, slots=True)
class Noop:
    pass


@dataclass(frozen=True, slots=True)
class Logout:
    pass


@dataclass(frozen=True, slots=True)
class StartTls:
    pass


@dataclass(frozen=True, slots=True)
class Authenticate:
    """AUTHENTICATE mechanism [initial-response] (RFC 4959 SASL-IR; "=" is an empty response)."""

    mechanism: str
    initial_response: bytes | None = None


@dataclass(frozen=True, slots=True)
class Login:
    username: str
    password: str


@dataclass(frozen=True, slots=True)
class Id:
    """ID NIL or ID (field value ...) (RFC 2971): the client's identification, for the logs only."""

    parameters: tuple[tuple[str, str | None], ...] | None = None


@dataclass(frozen=True, slots=True)
class Enable:
    """ENABLE cap ... (RFC 5161); capability names upper-cased."""

    capabilities: tuple[str, ...]


# ---------------------------------------------------------------- authenticated state (RFC 3501 §6.3)


@dataclass(frozen=True, slots=True)
class QresyncParameters:
    """SELECT ... (QRESYNC (uidvalidity modseq [known-uids [(known-seqs known-seq-uids)]])) (RFC 7162 §3.2.5)."""

    uidvalidity: int
    modseq: int
    known_uids: SequenceSet | None = None
    known_sequence_set: SequenceSet | None = None
    known_uid_set: SequenceSet | None = None


@dataclass(frozen=True, slots=True)
class Select:
    mailbox: str
    condstore: bool = False  # RFC 7162 §3.1.8 SELECT (CONDSTORE)
    qresync: QresyncParameters | None = None


@dataclass(frozen=True, slots=True)
class Examine:
    mailbox: str
    condstore: bool = False
    qresync: QresyncParameters | None = None


@dataclass(frozen=True, slots=True)
class Create:
    mailbox: str
    special_use: tuple[str, ...] = ()  # RFC 6154 §3: CREATE name (USE (\Drafts))


@dataclass(frozen=True, slots=True)
class Delete:
    mailbox: str


@dataclass(frozen=True, slots=True)
class Rename:
    source: str
    destination: str


@dataclass(frozen=True, slots=True)
class Subscribe:
    mailbox: str


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    mailbox: str


class ListSelectOption(enum.StrEnum):
    """RFC 5258 §3.1 selection options, and SPECIAL-USE from RFC 6154 §5.1."""

    SUBSCRIBED = "SUBSCRIBED"
    REMOTE = "REMOTE"
    RECURSIVEMATCH = "RECURSIVEMATCH"
    SPECIAL_USE = "SPECIAL-USE"


class ListReturnOption(enum.StrEnum):
    """RFC 5258 §3.2 return options, SPECIAL-USE (RFC 6154 §5.2) and STATUS (RFC 5819)."""

    CHILDREN = "CHILDREN"
    SUBSCRIBED = "SUBSCRIBED"
    SPECIAL_USE = "SPECIAL-USE"
    STATUS = "STATUS"


class StatusItem(enum.StrEnum):
    MESSAGES = "MESSAGES"
    RECENT = "RECENT"
    UIDNEXT = "UIDNEXT"
    UIDVALIDITY = "UIDVALIDITY"
    UNSEEN = "UNSEEN"
    HIGHESTMODSEQ = "HIGHESTMODSEQ"  # RFC 7162 §3.1.6
    SIZE = "SIZE"  # RFC 8438
    DELETED = "DELETED"  # RFC 9051 §6.3.11


@dataclass(frozen=True, slots=True)
class List:
    """LIST, basic or extended (RFC 5258). `extended` says the client used the extended syntax."""

    reference: str
    patterns: tuple[str, ...]
    select_options: frozenset[ListSelectOption] = frozenset()
    return_options: frozenset[ListReturnOption] = frozenset()
    status_items: tuple[StatusItem, ...] = ()  # with ListReturnOption.STATUS (RFC 5819)
    extended: bool = False


@dataclass(frozen=True, slots=True)
class Lsub:
    reference: str
    pattern: str


@dataclass(frozen=True, slots=True)
class Namespace:
    pass


@dataclass(frozen=True, slots=True)
class Status:
    mailbox: str
    items: tuple[StatusItem, ...]


@dataclass(frozen=True, slots=True)
class Append:
    """APPEND mailbox [flags] [date-time] literal; the flag list may be absent (mbsync sends none)."""

    mailbox: str
    message: bytes
    flags: tuple[str, ...] = ()
    internal_date: dt.datetime | None = None
    binary: bool = False  # sent as literal8 (RFC 3516 §4.4)


@dataclass(frozen=True, slots=True)
class Idle:
    pass


# ---------------------------------------------------------------- selected state (RFC 3501 §6.4)


@dataclass(frozen=True, slots=True)
class Check:
    pass


@dataclass(frozen=True, slots=True)
class Close:
    pass


@dataclass(frozen=True, slots=True)
class Unselect:
    pass


@dataclass(frozen=True, slots=True)
class Expunge:
    """EXPUNGE, or UID EXPUNGE uid-set (RFC 4315 §2.1) when `uid_set` is given."""

    uid_set: SequenceSet | None = None


class SearchReturnOption(enum.StrEnum):
    """ESEARCH result options (RFC 4731 §3.1) and SAVE (RFC 5182 §2.1)."""

    MIN = "MIN"
    MAX = "MAX"
    ALL = "ALL"
    COUNT = "COUNT"
    SAVE = "SAVE"


@dataclass(frozen=True, slots=True)
class Search:
    """SEARCH; `return_options` is None for a plain SEARCH, else ESEARCH (`RETURN ()` means ALL)."""

    key: SearchKey
    charset: str | None = None
    return_options: frozenset[SearchReturnOption] | None = None
    uid: bool = False


@dataclass(frozen=True, slots=True)
class Fetch:
    sequence_set: SequenceSet
    items: tuple[FetchItem, ...]
    uid: bool = False
    changed_since: int | None = None  # RFC 7162 §3.1.4.1 CHANGEDSINCE
    vanished: bool = False  # RFC 7162 §3.2.6, only with UID FETCH and CHANGEDSINCE


class StoreMode(enum.StrEnum):
    REPLACE = "FLAGS"
    ADD = "+FLAGS"
    REMOVE = "-FLAGS"


@dataclass(frozen=True, slots=True)
class Store:
    sequence_set: SequenceSet
    mode: StoreMode
    flags: tuple[str, ...]
    silent: bool = False
    uid: bool = False
    unchanged_since: int | None = None  # RFC 7162 §3.1.3 UNCHANGEDSINCE


@dataclass(frozen=True, slots=True)
class Copy:
    sequence_set: SequenceSet
    mailbox: str
    uid: bool = False


@dataclass(frozen=True, slots=True)
class Move:
    """MOVE / UID MOVE (RFC 6851)."""

    sequence_set: SequenceSet
    mailbox: str
    uid: bool = False


class SortKey(enum.StrEnum):
    """RFC 5256 §3 sort keys."""

    ARRIVAL = "ARRIVAL"
    CC = "CC"
    DATE = "DATE"
    FROM = "FROM"
    SIZE = "SIZE"
    SUBJECT = "SUBJECT"
    TO = "TO"


@dataclass(frozen=True, slots=True)
class SortCriterion:
    key: SortKey
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class Sort:
    """SORT (criteria) charset search-keys (RFC 5256 §3)."""

    criteria: tuple[SortCriterion, ...]
    charset: str
    key: SearchKey
    uid: bool = False


class ThreadAlgorithm(enum.StrEnum):
    ORDEREDSUBJECT = "ORDEREDSUBJECT"
    REFERENCES = "REFERENCES"


@dataclass(frozen=True, slots=True)
class Thread:
    """THREAD algorithm charset search-keys (RFC 5256 §3)."""

    algorithm: ThreadAlgorithm
    charset: str
    key: SearchKey
    uid: bool = False


Command = (
    Capability | Noop | Logout | StartTls | Authenticate | Login | Id | Enable
    | Select | Examine | Create | Delete | Rename | Subscribe | Unsubscribe | List | Lsub | Namespace | Status
    | Append | Idle | Check | Close | Unselect | Expunge | Search | Fetch | Store | Copy | Move | Sort | Thread
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TaggedCommand:
    tag: str
    command: Command
