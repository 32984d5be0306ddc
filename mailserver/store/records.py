"""Plain dataclasses returned by the store's public API. Protocol code never sees ORM or Row objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

MAILBOX_TYPES = ("PER", "ORG", "APP", "CAB", "PAT")
PROFESSIONAL_TYPES = ("PER", "ORG", "APP", "CAB")
PATIENT_STATUSES = ("active", "opposed", "closed")

# RFC 6154 roles of the folders every mailbox starts with (INBOX has no SPECIAL-USE attribute).
DEFAULT_FOLDERS: tuple[tuple[str, str | None], ...] = (
    ("INBOX", None),
    ("Sent", "\\Sent"),
    ("Drafts", "\\Drafts"),
    ("Trash", "\\Trash"),
    ("Junk", "\\Junk"),
    ("Archive", "\\Archive"),
)


@dataclass(frozen=True)
class Domain:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class Mailbox:
    id: int
    address: str
    type: str
    display_name: str
    national_id: str | None
    status: str
    created_at: datetime


@dataclass(frozen=True)
class Delegation:
    grantee: str
    mailbox: str
    rights: str


@dataclass(frozen=True)
class Patient:
    mailbox_id: int
    address: str
    ins: str
    birth_name: str
    first_names: str
    birth_date: date
    sex: str
    birth_place: str | None
    email: str | None
    status: str


@dataclass(frozen=True)
class Folder:
    id: int
    mailbox_id: int
    name: str
    special_use: str | None
    uidvalidity: int
    uidnext: int
    highestmodseq: int
    subscribed: bool


@dataclass(frozen=True)
class Delivered:
    """One recipient's copy of a delivered message."""

    mailbox_id: int
    folder_id: int
    uid: int
    modseq: int
    duplicate: bool  # True when this exact message had already been delivered to this mailbox


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    result: str
    detail: str
    prev_hash: str
    hash: str
