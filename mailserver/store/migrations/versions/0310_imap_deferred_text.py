"""imap: index message text after the delivery commit on SQLite (a watermark, conditional triggers)

`fts_text_progress.upto` is the highest message id whose `message_text` row is surely in `fts_message_text`
(see `mailserver.store.imap_textindex`). It starts at the highest id present: every existing row was indexed by
the old triggers. The triggers then index, and un-index, only the rows at or below the watermark; the indexer
moves the watermark and indexes what lies above it. PostgreSQL: nothing changes (its GIN indexes defer by
themselves).

Revision ID: 0310_imap_deferred_text
Revises: 0300_imap
Create Date: 2026-11-26
"""

from alembic import op

revision = "0310_imap_deferred_text"
down_revision = "0300_imap"
branch_labels = None
depends_on = None

_INDEXED = "(SELECT upto FROM fts_text_progress)"
_INSERT_NEW = (
    "INSERT INTO fts_message_text(rowid, header_text, body_text) "
    "VALUES (new.message_id, new.header_text, new.body_text); "
)
_DELETE_OLD = (
    "INSERT INTO fts_message_text(fts_message_text, rowid, header_text, body_text) "
    "VALUES ('delete', old.message_id, old.header_text, old.body_text); "
)
_DROP_TRIGGERS = (
    "DROP TRIGGER IF EXISTS fts_message_text_ai",
    "DROP TRIGGER IF EXISTS fts_message_text_ad",
    "DROP TRIGGER IF EXISTS fts_message_text_au",
)

SQLITE_UP = (
    "CREATE TABLE fts_text_progress (id INTEGER PRIMARY KEY CHECK (id = 1), upto INTEGER NOT NULL)",
    "INSERT INTO fts_text_progress (id, upto) SELECT 1, coalesce(max(message_id), 0) FROM message_text",
    *_DROP_TRIGGERS,
    f"CREATE TRIGGER fts_message_text_ai AFTER INSERT ON message_text WHEN new.message_id <= {_INDEXED} "
    f"BEGIN {_INSERT_NEW}END",
    f"CREATE TRIGGER fts_message_text_ad AFTER DELETE ON message_text WHEN old.message_id <= {_INDEXED} "
    f"BEGIN {_DELETE_OLD}END",
    f"CREATE TRIGGER fts_message_text_au AFTER UPDATE ON message_text WHEN old.message_id <= {_INDEXED} "
    f"BEGIN {_DELETE_OLD}{_INSERT_NEW}END",
)
SQLITE_DOWN = (
    # Index the tail first, so that the unconditional triggers of 0300 find every row in the index.
    "INSERT INTO fts_message_text(rowid, header_text, body_text) "
    "SELECT message_id, header_text, body_text FROM message_text "
    "WHERE message_id > (SELECT upto FROM fts_text_progress)",
    *_DROP_TRIGGERS,
    f"CREATE TRIGGER fts_message_text_ai AFTER INSERT ON message_text BEGIN {_INSERT_NEW}END",
    f"CREATE TRIGGER fts_message_text_ad AFTER DELETE ON message_text BEGIN {_DELETE_OLD}END",
    f"CREATE TRIGGER fts_message_text_au AFTER UPDATE ON message_text BEGIN {_DELETE_OLD}{_INSERT_NEW}END",
    "DROP TABLE fts_text_progress",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
