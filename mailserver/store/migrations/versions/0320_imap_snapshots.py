"""imap: SELECT snapshots of big folders kept between processes

Revision ID: 0320_imap_snapshots
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0320_imap_snapshots"
down_revision = None
branch_labels = ("imap_snapshots",)
depends_on = "0300_imap"

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "folder_snapshots",
        sa.Column("folder_id", Id, nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uidnext", sa.BigInteger(), nullable=False),
        sa.Column("highestmodseq", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name=op.f("fk_folder_snapshots_folder_id_folders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("folder_id", name=op.f("pk_folder_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("folder_snapshots")
