"""imap: index message text after the delivery commit on PostgreSQL too (a pending flag, partial GIN indexes)

`message_text.pending` marks the rows the background indexer has not reached yet. On PostgreSQL the pg_trgm GIN
indexes of the text columns become partial (`WHERE NOT pending`), so a delivery no longer maintains them inside
its transaction (a 100 KB body cost more than the rest of its delivery); a partial index of the pending ids lets
the indexer and SEARCH's brute-force tail find them (see `mailserver.store.imap_textindex`). Existing rows are not
pending. SQLite gets the column only (always false there: its watermark does this job).

Revision ID: 0330_imap_pg_deferred_text
Revises: 0310_imap_deferred_text
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0330_imap_pg_deferred_text"
down_revision = "0310_imap_deferred_text"
branch_labels = None
depends_on = None

POSTGRES_UP = (
    "DROP INDEX IF EXISTS fts_message_text_header_text",
    "DROP INDEX IF EXISTS fts_message_text_body_text",
    "CREATE INDEX fts_message_text_header_text ON message_text USING gin (header_text gin_trgm_ops) WHERE NOT pending",
    "CREATE INDEX fts_message_text_body_text ON message_text USING gin (body_text gin_trgm_ops) WHERE NOT pending",
    "CREATE INDEX fts_message_text_pending ON message_text (message_id) WHERE pending",
)
POSTGRES_DOWN = (
    "DROP INDEX IF EXISTS fts_message_text_pending",
    "DROP INDEX IF EXISTS fts_message_text_header_text",
    "DROP INDEX IF EXISTS fts_message_text_body_text",
    "CREATE INDEX fts_message_text_header_text ON message_text USING gin (header_text gin_trgm_ops)",
    "CREATE INDEX fts_message_text_body_text ON message_text USING gin (body_text gin_trgm_ops)",
)


def upgrade() -> None:
    op.add_column("message_text", sa.Column("pending", sa.Boolean(), server_default=sa.false(), nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
    # Not a batch (table copy): on SQLite that would drop the FTS5 triggers on message_text (needs SQLite 3.35).
    op.drop_column("message_text", "pending")
