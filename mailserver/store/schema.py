"""The mail store's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Owns the relational model of accounts, folders, messages, blobs and the audit trace. Alembic migrations in
`migrations/` create exactly this schema (a test compares them). Other engineers extend the store with their
own tables in their own modules on the same `metadata`, with their own migration branch.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# SQLite only aliases ROWID for INTEGER PRIMARY KEY; BigInteger keeps 64-bit ids on PostgreSQL.
Id = BigInteger().with_variant(Integer(), "sqlite")
Stamp = DateTime(timezone=True)


def stored_utc(when: datetime) -> datetime:
    """Stored instants are UTC: SQLite keeps a datetime's wall time without its offset."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


domains = Table(
    "domains",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(253), nullable=False, unique=True),  # lower-case
    Column("kind", String(16), nullable=False),  # professional | patient
    Column("created_at", Stamp, nullable=False),
)

mailboxes = Table(
    "mailboxes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("address", String(320), nullable=False, unique=True),  # lower-case, immutable
    Column("domain_id", Id, ForeignKey("domains.id"), nullable=False),
    Column("type", String(3), nullable=False),  # PER ORG APP CAB PAT, immutable
    Column("display_name", String(200), nullable=False, default=""),
    Column("national_id", String(32), nullable=True, index=True),  # 8+RPPS, 0+ADELI, 1+FINESS ...
    Column("status", String(16), nullable=False, default="active"),
    Column("created_at", Stamp, nullable=False),
    Column("last_login_at", Stamp, nullable=True),
)

credentials = Table(
    "credentials",
    metadata,
    Column("mailbox_id", Id, ForeignKey("mailboxes.id", ondelete="CASCADE"), primary_key=True),
    Column("password_hash", String(200), nullable=False),  # argon2id, PHC string
    Column("updated_at", Stamp, nullable=False),
)

delegations = Table(
    "delegations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("grantee_id", Id, ForeignKey("mailboxes.id", ondelete="CASCADE"), nullable=False),
    Column("mailbox_id", Id, ForeignKey("mailboxes.id", ondelete="CASCADE"), nullable=False),
    Column("rights", String(32), nullable=False),  # RFC 4314 rights letters, e.g. "lrswipkxtea"
    Column("created_at", Stamp, nullable=False),
    UniqueConstraint("grantee_id", "mailbox_id", name="uq_delegations_grantee_mailbox"),
)

patients = Table(
    "patients",
    metadata,
    Column("mailbox_id", Id, ForeignKey("mailboxes.id", ondelete="CASCADE"), primary_key=True),
    Column("ins", String(15), nullable=False, unique=True),
    Column("birth_name", String(100), nullable=False),
    Column("first_names", String(200), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(1), nullable=False),  # M | F (INS traits)
    Column("birth_place", String(5), nullable=True),  # INSEE code
    Column("email", String(320), nullable=True),  # personal address for notifications only
    Column("status", String(16), nullable=False),  # active | opposed | closed
    Column("status_changed_at", Stamp, nullable=False),
)

folders = Table(
    "folders",
    metadata,
    Column("id", Id, primary_key=True),
    Column("mailbox_id", Id, ForeignKey("mailboxes.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(500), nullable=False),  # UTF-8, hierarchy separator "/"
    Column("special_use", String(16), nullable=True),  # RFC 6154: \Sent \Drafts \Trash \Junk \Archive
    Column("uidvalidity", BigInteger, nullable=False),
    Column("uidnext", BigInteger, nullable=False),
    Column("highestmodseq", BigInteger, nullable=False),
    Column("subscribed", Boolean, nullable=False, default=True),
    Column("created_at", Stamp, nullable=False),
    UniqueConstraint("mailbox_id", "name", name="uq_folders_mailbox_name"),
)

blobs = Table(
    "blobs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("sha256", LargeBinary(32), nullable=False, unique=True),  # of the plaintext message
    Column("size", Integer, nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),  # compressed, then AES-256-GCM
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("blob_id", Id, ForeignKey("blobs.id"), nullable=False, unique=True),
    Column("size", Integer, nullable=False),
    Column("message_id_header", String(998), nullable=True, index=True),
    Column("summary", Text, nullable=False),  # mailserver.message summary as JSON (envelope, structure...)
    Column("created_at", Stamp, nullable=False),
)

folder_messages = Table(
    "folder_messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("folder_id", Id, ForeignKey("folders.id", ondelete="CASCADE"), nullable=False),
    Column("uid", BigInteger, nullable=False),
    Column("message_id", Id, ForeignKey("messages.id"), nullable=False),
    Column("modseq", BigInteger, nullable=False),
    Column("flags", Text, nullable=False, default=""),  # space-separated, sorted
    Column("internal_date", Stamp, nullable=False),
    UniqueConstraint("folder_id", "uid", name="uq_folder_messages_folder_uid"),
    Index("ix_folder_messages_folder_modseq", "folder_id", "modseq"),
    Index("ix_folder_messages_message", "message_id"),
)

# RFC 7162 §3.2.10: what QRESYNC needs to report VANISHED UIDs.
expunged = Table(
    "expunged",
    metadata,
    Column("folder_id", Id, ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    Column("uid", BigInteger, primary_key=True),
    Column("modseq", BigInteger, nullable=False),
    Index("ix_expunged_folder_modseq", "folder_id", "modseq"),
)

# Idempotent redelivery (DESIGN.md §5): the digest of the received bytes per recipient mailbox.
deliveries = Table(
    "deliveries",
    metadata,
    Column("mailbox_id", Id, ForeignKey("mailboxes.id", ondelete="CASCADE"), primary_key=True),
    Column("digest", LargeBinary(32), primary_key=True),
    Column("folder_message_id", Id, nullable=False),
    Column("created_at", Stamp, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),
    Column("at", Stamp, nullable=False),
    Column("actor", String(320), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(320), nullable=False),
    Column("result", String(32), nullable=False),
    Column("detail", Text, nullable=False),  # JSON; never message content
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
