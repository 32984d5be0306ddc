"""imap: index the search fields (From, To, Cc, Bcc, Subject) after the delivery commit too, on SQLite

Migration 0310 deferred the trigram index of the message text behind the watermark `fts_text_progress.upto`; the
short search fields were still indexed by trigger inside the delivery transaction. Their FTS5 index cost the
writer about 70 µs per message and a new FTS5 segment per commit (server CPU per 4 KB message, two workers:
1.00-1.01 -> 0.92 ms without it). The same watermark now covers `fts_message_search`: the triggers index, and
un-index, only the rows at or below it, and the indexer (`imap_textindex.index_chunk`) indexes both tables above it.
Rows above the watermark were indexed by the old triggers: they are taken out of the index first, so the indexer
does not add them twice. PostgreSQL: nothing changes (its search fields have no deferred index).

Revision ID: 0350_imap_deferred_search_fields
Revises: 0340_imap_pg_lz4_text
Create Date: 2026-11-26
"""

from alembic import op

revision = "0350_imap_deferred_search_fields"
down_revision = "0340_imap_pg_lz4_text"
branch_labels = None
depends_on = None

_INDEXED = "(SELECT upto FROM fts_text_progress)"
_FIELDS = "from_field, to_field, cc_field, bcc_field, subject_field"
_NEW = "new.from_field, new.to_field, new.cc_field, new.bcc_field, new.subject_field"
_OLD = "old.from_field, old.to_field, old.cc_field, old.bcc_field, old.subject_field"
_INSERT_NEW = f"INSERT INTO fts_message_search(rowid, {_FIELDS}) VALUES (new.message_id, {_NEW}); "  # noqa: S608
_DELETE_OLD = (
    f"INSERT INTO fts_message_search(fts_message_search, rowid, {_FIELDS}) "  # noqa: S608 (constants)
    f"VALUES ('delete', old.message_id, {_OLD}); "
)
_DROP_TRIGGERS = (
    "DROP TRIGGER IF EXISTS fts_message_search_ai",
    "DROP TRIGGER IF EXISTS fts_message_search_ad",
    "DROP TRIGGER IF EXISTS fts_message_search_au",
)

SQLITE_UP = (
    f"INSERT INTO fts_message_search(fts_message_search, rowid, {_FIELDS}) "  # noqa: S608 (constants)
    f"SELECT 'delete', message_id, {_FIELDS} FROM message_search WHERE message_id > {_INDEXED}",
    *_DROP_TRIGGERS,
    f"CREATE TRIGGER fts_message_search_ai AFTER INSERT ON message_search WHEN new.message_id <= {_INDEXED} "
    f"BEGIN {_INSERT_NEW}END",
    f"CREATE TRIGGER fts_message_search_ad AFTER DELETE ON message_search WHEN old.message_id <= {_INDEXED} "
    f"BEGIN {_DELETE_OLD}END",
    f"CREATE TRIGGER fts_message_search_au AFTER UPDATE ON message_search WHEN old.message_id <= {_INDEXED} "
    f"BEGIN {_DELETE_OLD}{_INSERT_NEW}END",
)
SQLITE_DOWN = (
    # Index the tail first, so that the unconditional triggers of 0300 find every row in the index.
    f"INSERT INTO fts_message_search(rowid, {_FIELDS}) "  # noqa: S608 (constants)
    f"SELECT message_id, {_FIELDS} FROM message_search WHERE message_id > {_INDEXED}",
    *_DROP_TRIGGERS,
    f"CREATE TRIGGER fts_message_search_ai AFTER INSERT ON message_search BEGIN {_INSERT_NEW}END",
    f"CREATE TRIGGER fts_message_search_ad AFTER DELETE ON message_search BEGIN {_DELETE_OLD}END",
    f"CREATE TRIGGER fts_message_search_au AFTER UPDATE ON message_search BEGIN {_DELETE_OLD}{_INSERT_NEW}END",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
