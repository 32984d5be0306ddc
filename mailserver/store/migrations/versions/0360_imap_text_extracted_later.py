"""imap: the body text of a message is extracted after the delivery commit, by the text indexer (both backends)

`message_text.pending` now means, on SQLite and PostgreSQL alike, that the row's body text has not been extracted
yet: a delivery writes the header text and an empty body text, and the indexer (`imap_textindex`) extracts the
readable text from the blob, stores it and clears the flag, then indexes the row. SEARCH reads a pending message's
body from its blob meanwhile (`imap_search`). Extracting and storing 100 KB of text inside each delivery was a third
of the server's CPU at 100 KB (SQLite: 761-784 -> 1,012 msg/s). Existing rows keep their text and are not
pending. SQLite gets the partial index of pending ids that PostgreSQL has had since 0330; it is named like it.

A downgrade would leave pending rows with an empty body that the code before this revision treats as their text,
so it refuses while any row is pending: let `caducee serve` run until its indexer has caught up, then downgrade.

Revision ID: 0360_imap_text_extracted_later
Revises: 0350_imap_deferred_search_fields
Create Date: 2026-11-26
"""

from alembic import op
from sqlalchemy import text

revision = "0360_imap_text_extracted_later"
down_revision = "0350_imap_deferred_search_fields"
branch_labels = None
depends_on = None

SQLITE_UP = ("CREATE INDEX fts_message_text_pending ON message_text (message_id) WHERE pending",)
SQLITE_DOWN = ("DROP INDEX IF EXISTS fts_message_text_pending",)
PENDING = "SELECT count(*) FROM message_text WHERE pending"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    left = op.get_bind().execute(text(PENDING)).scalar_one()
    if left:
        raise RuntimeError(
            f"{left} message texts are not extracted yet; run `caducee serve` until its text indexer has caught up, "
            "then downgrade"
        )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
