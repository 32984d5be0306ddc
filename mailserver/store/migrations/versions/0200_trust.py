"""trust space: whitelist entries in force and the imported lists

Revision ID: 0200_trust
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0200_trust"
down_revision = None
branch_labels = ("trust",)
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "trust_entries",
        sa.Column("id", Id, nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("dn", sa.String(length=1000), nullable=False),
        sa.Column("dn_key", sa.String(length=1000), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("updated", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_entries")),
    )
    op.create_index(op.f("ix_trust_entries_domain"), "trust_entries", ["domain"], unique=False)
    op.create_table(
        "trust_lists",
        sa.Column("id", Id, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("generated_at", sa.String(length=40), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("domains", sa.Integer(), nullable=False),
        sa.Column("added_domains", sa.Integer(), nullable=False),
        sa.Column("removed_domains", sa.Integer(), nullable=False),
        sa.Column("added_entries", sa.Integer(), nullable=False),
        sa.Column("removed_entries", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_lists")),
    )


def downgrade() -> None:
    op.drop_table("trust_lists")
    op.drop_index(op.f("ix_trust_entries_domain"), table_name="trust_entries")
    op.drop_table("trust_entries")
