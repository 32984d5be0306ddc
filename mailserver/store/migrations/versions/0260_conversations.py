"""patient conversations: messages patients received from professionals

Revision ID: 0260_conversations
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0260_conversations"
down_revision = None
branch_labels = ("conversations",)
depends_on = "0001_mail"

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "patient_threads",
        sa.Column("id", Id, nullable=False),
        sa.Column("patient_id", Id, nullable=False),
        sa.Column("message_id_header", sa.String(length=998), nullable=False),
        sa.Column("thread_root", sa.String(length=998), nullable=False),
        sa.Column("correspondents", sa.Text(), nullable=False),
        sa.Column("closes", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["mailboxes.id"], name=op.f("fk_patient_threads_patient_id_mailboxes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_threads")),
    )
    op.create_index("ix_patient_threads_message", "patient_threads", ["patient_id", "message_id_header"], unique=False)
    op.create_index("ix_patient_threads_root", "patient_threads", ["patient_id", "thread_root"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_patient_threads_root", table_name="patient_threads")
    op.drop_index("ix_patient_threads_message", table_name="patient_threads")
    op.drop_table("patient_threads")
