"""The directory's tables: practitioners, organisations, mailboxes, search tokens, certificates, import runs.

Revision ID: dir0001
Revises: (none: first revision of the `directory` branch)
Create Date: 2026-11-26

Portable DDL only (SQLite and PostgreSQL): plain CREATE TABLE / CREATE INDEX. The token and sort columns use
the "C" collation on PostgreSQL so that prefix range scans use their index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dir0001"
down_revision = None
branch_labels = ("directory",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dir_certificate",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=True),
        sa.Column("organisation_id", sa.String(length=32), nullable=True),
        sa.Column("usage", sa.String(length=16), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("issuer", sa.String(length=1000), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_dir_certificate")),
    )
    op.create_index(op.f("ix_dir_certificate_address"), "dir_certificate", ["address"], unique=False)
    op.create_index(op.f("ix_dir_certificate_organisation_id"), "dir_certificate", ["organisation_id"], unique=False)
    op.create_table(
        "dir_import_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dir_import_run")),
    )
    op.create_table(
        "dir_mailbox",
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("type", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("service", sa.String(length=300), nullable=False),
        sa.Column("practitioner_id", sa.String(length=32), nullable=True),
        sa.Column("organisation_id", sa.String(length=32), nullable=True),
        sa.Column("dematerialisation", sa.String(length=16), nullable=False),
        sa.Column("liste_rouge", sa.Boolean(), nullable=False),
        sa.Column("is_local", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column(
            "sort_key",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("profession_code", sa.String(length=8), nullable=False),
        sa.Column("speciality_code", sa.String(length=16), nullable=False),
        sa.Column(
            "profession_norm",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "speciality_norm",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("postcode", sa.String(length=16), nullable=False),
        sa.Column(
            "city_norm",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "cn_norm",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "sn_norm",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "given_norm",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "o_norm",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("name_tokens", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gone_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_dir_mailbox")),
    )
    op.create_index("ix_dir_mailbox_city_norm", "dir_mailbox", ["city_norm"], unique=False)
    op.create_index(op.f("ix_dir_mailbox_organisation_id"), "dir_mailbox", ["organisation_id"], unique=False)
    op.create_index("ix_dir_mailbox_postcode", "dir_mailbox", ["postcode"], unique=False)
    op.create_index(op.f("ix_dir_mailbox_practitioner_id"), "dir_mailbox", ["practitioner_id"], unique=False)
    op.create_index("ix_dir_mailbox_profession_code", "dir_mailbox", ["profession_code"], unique=False)
    op.create_index("ix_dir_mailbox_speciality_code", "dir_mailbox", ["speciality_code"], unique=False)
    op.create_table(
        "dir_name_token",
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column(
            "token",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "sort_key",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("kind", "token", "sort_key", "address", name=op.f("pk_dir_name_token")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "dir_organisation",
        sa.Column("national_id", sa.String(length=32), nullable=False),
        sa.Column("id_type", sa.String(length=4), nullable=False),
        sa.Column("legal_name", sa.String(length=300), nullable=False),
        sa.Column("trade_name", sa.String(length=300), nullable=False),
        sa.Column("address_1", sa.String(length=200), nullable=False),
        sa.Column("address_2", sa.String(length=200), nullable=False),
        sa.Column("address_3", sa.String(length=200), nullable=False),
        sa.Column("address_4", sa.String(length=200), nullable=False),
        sa.Column("address_5", sa.String(length=200), nullable=False),
        sa.Column("address_6", sa.String(length=200), nullable=False),
        sa.Column("address_7", sa.String(length=200), nullable=False),
        sa.Column("address_8", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=16), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=100), nullable=False),
        sa.Column(
            "name_norm",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("national_id", name=op.f("pk_dir_organisation")),
    )
    op.create_table(
        "dir_organisation_token",
        sa.Column(
            "token",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("national_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("token", "national_id", name=op.f("pk_dir_organisation_token")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_dir_organisation_token_national_id", "dir_organisation_token", ["national_id"], unique=False)
    op.create_table(
        "dir_practitioner",
        sa.Column("national_id", sa.String(length=32), nullable=False),
        sa.Column("id_type", sa.String(length=4), nullable=False),
        sa.Column("civility", sa.String(length=16), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("category_code", sa.String(length=8), nullable=False),
        sa.Column("category_label", sa.String(length=200), nullable=False),
        sa.Column("profession_code", sa.String(length=8), nullable=False),
        sa.Column("profession_label", sa.String(length=200), nullable=False),
        sa.Column("speciality_code", sa.String(length=16), nullable=False),
        sa.Column("speciality_label", sa.String(length=200), nullable=False),
        sa.Column(
            "sort_key",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("national_id", name=op.f("pk_dir_practitioner")),
    )


def downgrade() -> None:
    op.drop_table("dir_practitioner")
    op.drop_index("ix_dir_organisation_token_national_id", table_name="dir_organisation_token")
    op.drop_table("dir_organisation_token")
    op.drop_table("dir_organisation")
    op.drop_table("dir_name_token")
    op.drop_index("ix_dir_mailbox_speciality_code", table_name="dir_mailbox")
    op.drop_index("ix_dir_mailbox_profession_code", table_name="dir_mailbox")
    op.drop_index(op.f("ix_dir_mailbox_practitioner_id"), table_name="dir_mailbox")
    op.drop_index("ix_dir_mailbox_postcode", table_name="dir_mailbox")
    op.drop_index(op.f("ix_dir_mailbox_organisation_id"), table_name="dir_mailbox")
    op.drop_index("ix_dir_mailbox_city_norm", table_name="dir_mailbox")
    op.drop_table("dir_mailbox")
    op.drop_table("dir_import_run")
    op.drop_index(op.f("ix_dir_certificate_organisation_id"), table_name="dir_certificate")
    op.drop_index(op.f("ix_dir_certificate_address"), table_name="dir_certificate")
    op.drop_table("dir_certificate")
