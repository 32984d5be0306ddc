"""Plain values the IMAP store API returns. The IMAP session reads them; nothing here touches the database.

Message lists are parallel arrays in UID order (`array('q')` for numbers), so a 100,000-message folder costs a
few megabytes and `FETCH 1:* (UID FLAGS)` is answered from memory.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class MailboxAccess:
    """A mailbox the user may open: their own (`shared` False, every right) or a delegated ORG/CAB one."""

    mailbox_id: int
    address: str
    type: str
    rights: str  # RFC 4314 letters
    shared: bool


@dataclass(frozen=True, slots=True)
class FolderStatus:
    """One folder for LIST and STATUS (RFC 3501 §6.3.10, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE)."""

    id: int
    mailbox_id: int
    name: str
    special_use: str | None
    subscribed: bool
    noselect: bool
    has_children: bool
    uidvalidity: int
    uidnext: int
    highestmodseq: int
    messages: int
    unseen: int
    deleted: int
    size: int | None  # None unless asked for (it needs a join over every message)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A folder as SELECT sees it: parallel arrays in UID order, and the folder's counters."""

    folder_id: int
    uidvalidity: int
    uidnext: int
    highestmodseq: int
    uids: array[int]
    modseqs: array[int]
    flags: list[str]  # the stored text (FETCH FLAGS writes it between parentheses); equal texts are one object

    @property
    def exists(self) -> int:
        return len(self.uids)

    def first_unseen(self) -> int | None:
        """Sequence number of the first message without \\Seen (RFC 3501 §7.1 UNSEEN), None if all are seen."""
        for index, text in enumerate(self.flags):
            if "\\Seen" not in text:
                return index + 1
        return None


@dataclass(frozen=True, slots=True)
class FolderState:
    """The cheap poll for IDLE and NOOP: did anything change since the session last looked?"""

    folder_id: int
    uidnext: int
    highestmodseq: int
    messages: int


@dataclass(frozen=True, slots=True)
class MessageMeta:
    """FETCH data served without the blob. `message_id` keys `summaries` and `read_messages`."""

    uid: int
    message_id: int
    modseq: int
    flags: str
    internal_date: datetime  # aware, UTC
    size: int  # RFC822.SIZE


@dataclass(frozen=True, slots=True)
class FlagChange:
    """A message whose flags a write changed (for untagged FETCH FLAGS MODSEQ), or a CHANGEDSINCE row."""

    uid: int
    flags: str
    modseq: int


@dataclass(frozen=True, slots=True)
class StoreResult:
    """STORE (RFC 7162 §3.1.3): `changed` got new flags and modseq; `failed` failed UNCHANGEDSINCE (MODIFIED)."""

    changed: list[FlagChange]
    failed: list[int]
    highestmodseq: int


@dataclass(frozen=True, slots=True)
class ExpungeResult:
    uids: list[int]  # ascending
    highestmodseq: int


@dataclass(frozen=True, slots=True)
class CopyResult:
    """COPYUID (RFC 4315 §3): source and new UIDs pair up element by element."""

    uidvalidity: int
    source_uids: list[int]
    target_uids: list[int]
    target_folder_id: int
    expunged: ExpungeResult | None = None  # MOVE: what left the source folder


@dataclass(frozen=True, slots=True)
class Appended:
    """APPENDUID (RFC 4315 §3)."""

    folder_id: int
    uidvalidity: int
    uid: int
    modseq: int


@dataclass(frozen=True, slots=True)
class ThreadRow:
    """What THREAD=REFERENCES and ORDEREDSUBJECT need of one message (RFC 5256 §3)."""

    uid: int
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    base_subject: str
    subject_is_reply: bool
    sent_at: datetime  # the Date header, or INTERNALDATE when it has none (RFC 5256 §2.2); UTC


@dataclass(frozen=True, slots=True)
class SearchResult:
    uids: array[int]  # ascending
    highest_modseq: int  # of the matched messages (RFC 7162 §3.1.5), 0 when none matched
