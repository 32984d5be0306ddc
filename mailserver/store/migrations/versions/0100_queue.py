"""outbound queue: queued messages and per-recipient rows

Revision ID: 0100_queue
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0100_queue"
down_revision = None
branch_labels = ("queue",)
depends_on = "0001_mail"

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "queue_messages",
        sa.Column("id", Id, nullable=False),
        sa.Column("message_id", Id, nullable=False),
        sa.Column("mail_from", sa.String(length=320), nullable=False),
        sa.Column("ret", sa.String(length=4), nullable=True),
        sa.Column("envid", sa.String(length=100), nullable=True),
        sa.Column("submitter", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_queue_messages_message_id_messages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_messages")),
    )
    op.create_index(op.f("ix_queue_messages_message_id"), "queue_messages", ["message_id"], unique=False)
    op.create_table(
        "queue_recipients",
        sa.Column("id", Id, nullable=False),
        sa.Column("queue_message_id", Id, nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("notify", sa.String(length=32), nullable=True),
        sa.Column("orcpt", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delay_notified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_message_id"],
            ["queue_messages.id"],
            name=op.f("fk_queue_recipients_queue_message_id_queue_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_recipients")),
    )
    op.create_index("ix_queue_recipients_due", "queue_recipients", ["next_attempt_at"], unique=False)
    op.create_index("ix_queue_recipients_message", "queue_recipients", ["queue_message_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_queue_recipients_message", table_name="queue_recipients")
    op.drop_index("ix_queue_recipients_due", table_name="queue_recipients")
    op.drop_table("queue_recipients")
    op.drop_index(op.f("ix_queue_messages_message_id"), table_name="queue_messages")
    op.drop_table("queue_messages")
