"""imap: search fields, noselect names, uidvalidity counters, full-text indexes

The full-text objects are not in `metadata` (SQLAlchemy cannot declare them on both backends); their names start
with `fts_` (`mailserver.store.extensions.UNMANAGED_PREFIX`). SQLite: FTS5 trigram indexes over the casefolded
search columns of `message_search` and `message_text` (external content, kept in sync by triggers). PostgreSQL:
pg_trgm GIN indexes (pg_trgm is a trusted extension since PostgreSQL 13: the database owner may create it).

Revision ID: 0300_imap
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0300_imap"
down_revision = None
branch_labels = ("imap",)
depends_on = "0001_mail"

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_UP = (
    "CREATE VIRTUAL TABLE fts_message_search USING fts5("
    "from_field, to_field, cc_field, bcc_field, subject_field, "
    "content='message_search', content_rowid='message_id', tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER fts_message_search_ai AFTER INSERT ON message_search BEGIN "
    "INSERT INTO fts_message_search(rowid, from_field, to_field, cc_field, bcc_field, subject_field) "
    "VALUES (new.message_id, new.from_field, new.to_field, new.cc_field, new.bcc_field, new.subject_field); END",
    "CREATE TRIGGER fts_message_search_ad AFTER DELETE ON message_search BEGIN "
    "INSERT INTO fts_message_search(fts_message_search, rowid, from_field, to_field, cc_field, bcc_field, subject_field) "
    "VALUES ('delete', old.message_id, old.from_field, old.to_field, old.cc_field, old.bcc_field, old.subject_field); END",
    "CREATE TRIGGER fts_message_search_au AFTER UPDATE ON message_search BEGIN "
    "INSERT INTO fts_message_search(fts_message_search, rowid, from_field, to_field, cc_field, bcc_field, subject_field) "
    "VALUES ('delete', old.message_id, old.from_field, old.to_field, old.cc_field, old.bcc_field, old.subject_field); "
    "INSERT INTO fts_message_search(rowid, from_field, to_field, cc_field, bcc_field, subject_field) "
    "VALUES (new.message_id, new.from_field, new.to_field, new.cc_field, new.bcc_field, new.subject_field); END",
    "CREATE VIRTUAL TABLE fts_message_text USING fts5("
    "header_text, body_text, content='message_text', content_rowid='message_id', tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER fts_message_text_ai AFTER INSERT ON message_text BEGIN "
    "INSERT INTO fts_message_text(rowid, header_text, body_text) VALUES (new.message_id, new.header_text, new.body_text); END",
    "CREATE TRIGGER fts_message_text_ad AFTER DELETE ON message_text BEGIN "
    "INSERT INTO fts_message_text(fts_message_text, rowid, header_text, body_text) "
    "VALUES ('delete', old.message_id, old.header_text, old.body_text); END",
    "CREATE TRIGGER fts_message_text_au AFTER UPDATE ON message_text BEGIN "
    "INSERT INTO fts_message_text(fts_message_text, rowid, header_text, body_text) "
    "VALUES ('delete', old.message_id, old.header_text, old.body_text); "
    "INSERT INTO fts_message_text(rowid, header_text, body_text) VALUES (new.message_id, new.header_text, new.body_text); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS fts_message_text_au",
    "DROP TRIGGER IF EXISTS fts_message_text_ad",
    "DROP TRIGGER IF EXISTS fts_message_text_ai",
    "DROP TABLE IF EXISTS fts_message_text",
    "DROP TRIGGER IF EXISTS fts_message_search_au",
    "DROP TRIGGER IF EXISTS fts_message_search_ad",
    "DROP TRIGGER IF EXISTS fts_message_search_ai",
    "DROP TABLE IF EXISTS fts_message_search",
)
POSTGRES_UP = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX fts_message_search_from_field ON message_search USING gin (from_field gin_trgm_ops)",
    "CREATE INDEX fts_message_search_to_field ON message_search USING gin (to_field gin_trgm_ops)",
    "CREATE INDEX fts_message_search_subject_field ON message_search USING gin (subject_field gin_trgm_ops)",
    "CREATE INDEX fts_message_text_header_text ON message_text USING gin (header_text gin_trgm_ops)",
    "CREATE INDEX fts_message_text_body_text ON message_text USING gin (body_text gin_trgm_ops)",
)
POSTGRES_DOWN = (
    "DROP INDEX IF EXISTS fts_message_text_body_text",
    "DROP INDEX IF EXISTS fts_message_text_header_text",
    "DROP INDEX IF EXISTS fts_message_search_subject_field",
    "DROP INDEX IF EXISTS fts_message_search_to_field",
    "DROP INDEX IF EXISTS fts_message_search_from_field",
)


def upgrade() -> None:
    op.create_table(
        "message_search",
        sa.Column("message_id", Id, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("base_subject", sa.Text(), nullable=False),
        sa.Column("subject_is_reply", sa.Boolean(), nullable=False),
        sa.Column("sort_from", sa.String(length=320), nullable=False),
        sa.Column("sort_to", sa.String(length=320), nullable=False),
        sa.Column("sort_cc", sa.String(length=320), nullable=False),
        sa.Column("in_reply_to", sa.Text(), nullable=True),
        sa.Column("refs", sa.Text(), nullable=False),
        sa.Column("from_field", sa.Text(), nullable=False),
        sa.Column("to_field", sa.Text(), nullable=False),
        sa.Column("cc_field", sa.Text(), nullable=False),
        sa.Column("bcc_field", sa.Text(), nullable=False),
        sa.Column("subject_field", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_search_message_id_messages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_search")),
    )
    op.create_table(
        "message_text",
        sa.Column("message_id", Id, nullable=False),
        sa.Column("header_text", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_text_message_id_messages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_text")),
    )
    op.create_table(
        "uidvalidity_counters",
        sa.Column("mailbox_id", Id, nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mailbox_id"],
            ["mailboxes.id"],
            name=op.f("fk_uidvalidity_counters_mailbox_id_mailboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mailbox_id", name=op.f("pk_uidvalidity_counters")),
    )
    op.create_table(
        "noselect_folders",
        sa.Column("folder_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name=op.f("fk_noselect_folders_folder_id_folders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("folder_id", name=op.f("pk_noselect_folders")),
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == "sqlite" else POSTGRES_UP if dialect == "postgresql" else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN if dialect == "postgresql" else ():
        op.execute(statement)
    op.drop_table("noselect_folders")
    op.drop_table("uidvalidity_counters")
    op.drop_table("message_text")
    op.drop_table("message_search")
