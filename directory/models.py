"""The directory's tables (SQLAlchemy Core) on its own `MetaData`, every name prefixed `dir_`.

Owns the relational shape of the directory. The Alembic branch `directory` (migrations/versions) creates
exactly this schema. No foreign keys: a mailbox names its practitioner and organisation by national id, and
the national file, not the database, is the authority on those links. Never holds credentials.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, LargeBinary, MetaData, String, Table

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

Stamp = DateTime(timezone=True)
# Prefix searches run as `token >= p AND token < p'`: the index must order bytes, so PostgreSQL uses "C".
Token = String(64).with_variant(String(64, collation="C"), "postgresql")
SortKey = String(200).with_variant(String(200, collation="C"), "postgresql")
Folded = String(200).with_variant(String(200, collation="C"), "postgresql")

practitioners = Table(
    "dir_practitioner",
    metadata,
    Column("national_id", String(32), primary_key=True),  # 8+RPPS or 0+ADELI
    Column("id_type", String(4), nullable=False, default=""),
    Column("civility", String(16), nullable=False, default=""),
    Column("family_name", String(200), nullable=False, default=""),
    Column("given_name", String(200), nullable=False, default=""),
    Column("category_code", String(8), nullable=False, default=""),
    Column("category_label", String(200), nullable=False, default=""),
    Column("profession_code", String(8), nullable=False, default=""),
    Column("profession_label", String(200), nullable=False, default=""),
    Column("speciality_code", String(16), nullable=False, default=""),
    Column("speciality_label", String(200), nullable=False, default=""),
    Column("sort_key", SortKey, nullable=False, default=""),
    Column("updated_at", Stamp, nullable=False),
)

organisations = Table(
    "dir_organisation",
    metadata,
    Column("national_id", String(32), primary_key=True),  # 1+FINESS, 3+SIRET, 2+SIREN, 4+RPPS-rang
    Column("id_type", String(4), nullable=False, default=""),
    Column("legal_name", String(300), nullable=False, default=""),
    Column("trade_name", String(300), nullable=False, default=""),
    *(Column(f"address_{i}", String(200), nullable=False, default="") for i in range(1, 9)),
    Column("postcode", String(16), nullable=False, default=""),
    Column("city", String(100), nullable=False, default=""),
    Column("department", String(100), nullable=False, default=""),
    Column("country", String(100), nullable=False, default=""),
    Column("name_norm", Folded, nullable=False, default=""),
    Column("updated_at", Stamp, nullable=False),
)

mailboxes = Table(
    "dir_mailbox",
    metadata,
    Column("address", String(320), primary_key=True),  # lower-case; the only key (DOMAIN.md §4)
    Column("type", String(3), nullable=False),  # PER ORG APP CAB
    Column("description", String(500), nullable=False, default=""),
    Column("service", String(300), nullable=False, default=""),
    Column("practitioner_id", String(32), nullable=True, index=True),
    Column("organisation_id", String(32), nullable=True, index=True),
    Column("dematerialisation", String(16), nullable=False, default=""),
    Column("liste_rouge", Boolean, nullable=False, default=False),
    Column("is_local", Boolean, nullable=False, default=False),
    Column("source", String(8), nullable=False),  # national | local | manual
    Column("row_hash", String(32), nullable=False, default=""),  # of the extraction line, for no-op re-imports
    # Search and LDAP columns, folded (normalise.fold) at write time.
    Column("sort_key", SortKey, nullable=False, default=""),
    Column("profession_code", String(8), nullable=False, default=""),
    Column("speciality_code", String(16), nullable=False, default=""),
    Column("profession_norm", Folded, nullable=False, default=""),
    Column("speciality_norm", Folded, nullable=False, default=""),
    Column("postcode", String(16), nullable=False, default=""),
    Column("city_norm", Folded, nullable=False, default=""),
    Column("cn_norm", Folded, nullable=False, default=""),
    Column("sn_norm", Folded, nullable=False, default=""),
    Column("given_norm", Folded, nullable=False, default=""),
    Column("o_norm", Folded, nullable=False, default=""),
    # This entry's tokens in dir_name_token, space-separated: replacing them deletes by primary key, so the
    # token table needs no second index on the address (it would double its size and slow every import).
    Column("name_tokens", String(1000), nullable=False, default=""),
    Column("created_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
    Column("gone_at", Stamp, nullable=True),  # left the national file; kept for routing history
    Index("ix_dir_mailbox_postcode", "postcode"),
    Index("ix_dir_mailbox_city_norm", "city_norm"),
    Index("ix_dir_mailbox_profession_code", "profession_code"),
    Index("ix_dir_mailbox_speciality_code", "speciality_code"),
)

# One row per (token, entry) of a mailbox's holder or service name (kind "n"; the kind leaves room for other
# token families). Clustered on the primary key (no rowid on SQLite) so a prefix search is one range scan that
# already comes out in rank order (token, then sort key). Gone mailboxes have no tokens.
name_tokens = Table(
    "dir_name_token",
    metadata,
    Column("kind", String(1), primary_key=True),
    Column("token", Token, primary_key=True),
    Column("sort_key", SortKey, primary_key=True),
    Column("address", String(320), primary_key=True),
    sqlite_with_rowid=False,
)

# One row per (token, organisation) of its legal and trade names, for the `organisation` criterion.
organisation_tokens = Table(
    "dir_organisation_token",
    metadata,
    Column("token", Token, primary_key=True),
    Column("national_id", String(32), primary_key=True),
    Index("ix_dir_organisation_token_national_id", "national_id"),
    sqlite_with_rowid=False,
)

certificates = Table(
    "dir_certificate",
    metadata,
    Column("fingerprint", String(64), primary_key=True),  # SHA-256 of the DER, hex
    Column("address", String(320), nullable=True, index=True),
    Column("organisation_id", String(32), nullable=True, index=True),
    Column("usage", String(16), nullable=False),  # signing | encryption | organisation
    Column("der", LargeBinary, nullable=False),
    Column("subject", String(1000), nullable=False),
    Column("issuer", String(1000), nullable=False),
    Column("serial", String(64), nullable=False),
    Column("not_before", Stamp, nullable=False),
    Column("not_after", Stamp, nullable=False),
    Column("added_at", Stamp, nullable=False),
)

import_runs = Table(
    "dir_import_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_name", String(300), nullable=False),
    Column("started_at", Stamp, nullable=False),
    Column("finished_at", Stamp, nullable=True),
    Column("lines", Integer, nullable=False, default=0),
    Column("added", Integer, nullable=False, default=0),
    Column("changed", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("removed", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
)
