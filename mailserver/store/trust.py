"""The trust space as the store keeps it: the whitelist entries in force, and the history of imported lists.

Owns the tables `trust_lists` (one row per imported whitelist: when, from where, its SHA-256, its
`DateDeGeneration`, counts and what changed; the compressed copy of the last `RAW_COPIES` lists) and
`trust_entries` (the (domain, certificate DN) pairs in force, with the normalised DN used to compare).
`replace` swaps the whole list in one transaction, so every node sees the old list or the new one, never a mix,
and reports what changed. It never parses XML, never fetches anything and never decides who is trusted.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Integer, LargeBinary, String, Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.engine import writer
from mailserver.store.schema import Id, Stamp, metadata

RAW_COPIES = 10  # compressed copies kept (the newest lists); older rows keep their metadata only

trust_lists = Table(
    "trust_lists",
    metadata,
    Column("id", Id, primary_key=True),
    Column("imported_at", Stamp, nullable=False),
    Column("source", String(500), nullable=False),  # URL or file name
    Column("sha256", String(64), nullable=False),  # of the file as received
    Column("generated_at", String(40), nullable=False),  # DateDeGeneration, as published
    Column("entries", Integer, nullable=False),
    Column("domains", Integer, nullable=False),
    Column("added_domains", Integer, nullable=False),
    Column("removed_domains", Integer, nullable=False),
    Column("added_entries", Integer, nullable=False),
    Column("removed_entries", Integer, nullable=False),
    Column("raw", LargeBinary, nullable=True),  # zlib-compressed file; NULL once older than RAW_COPIES lists
)

trust_entries = Table(
    "trust_entries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("domain", String(253), nullable=False, index=True),  # lower-case
    Column("dn", String(1000), nullable=False),  # DNCertificatOperateur as published
    Column("dn_key", String(1000), nullable=False),  # mailserver.crypto.names.normalise_dn(dn)
    Column("description", String(500), nullable=False),
    Column("updated", String(40), nullable=False),  # DateMAJ, as published
)


@dataclass(frozen=True)
class TrustEntry:
    domain: str
    dn: str
    dn_key: str
    description: str = ""
    updated: str = ""


@dataclass(frozen=True)
class TrustList:
    id: int
    imported_at: datetime
    source: str
    sha256: str
    generated_at: str
    entries: int
    domains: int
    added_domains: int
    removed_domains: int
    added_entries: int
    removed_entries: int
    has_copy: bool


@dataclass(frozen=True)
class TrustChange:
    """What `replace` changed. Entries are (domain, DN as published)."""

    list: TrustList
    added_domains: tuple[str, ...]
    removed_domains: tuple[str, ...]
    added_entries: tuple[tuple[str, str], ...]
    removed_entries: tuple[tuple[str, str], ...]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _list(row: object) -> TrustList:
    m = row._mapping  # type: ignore[attr-defined]
    return TrustList(
        m["id"],
        _aware(m["imported_at"]),
        m["source"],
        m["sha256"],
        m["generated_at"],
        m["entries"],
        m["domains"],
        m["added_domains"],
        m["removed_domains"],
        m["added_entries"],
        m["removed_entries"],
        bool(m["has_copy"]),
    )


_LIST_COLUMNS = [c for c in trust_lists.c if c.name != "raw"]


class TrustStore:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    async def replace(
        self, entries: Sequence[TrustEntry], *, source: str, sha256: str, generated_at: str, raw: bytes
    ) -> TrustChange:
        """Make `entries` the trust space (duplicates of a (domain, DN key) pair are kept once)."""
        unique: dict[tuple[str, str], TrustEntry] = {}
        for entry in entries:
            unique.setdefault((entry.domain.lower(), entry.dn_key), entry)
        packed = zlib.compress(raw, 6)  # before the transaction: nothing slow holds the write lock
        now = self._clock()
        async with writer(self._engine).begin() as conn:
            old_rows = (
                await conn.execute(select(trust_entries.c.domain, trust_entries.c.dn_key, trust_entries.c.dn))
            ).all()
            old = {(r.domain, r.dn_key): r.dn for r in old_rows}
            old_domains = {d for d, _ in old}
            new_domains = {d for d, _ in unique}
            added = sorted((d, unique[(d, k)].dn) for d, k in unique.keys() - old.keys())
            removed = sorted((d, old[(d, k)]) for d, k in old.keys() - unique.keys())
            await conn.execute(delete(trust_entries))
            if unique:
                await conn.execute(
                    trust_entries.insert(),
                    [
                        dict(
                            domain=d,
                            dn=e.dn[:1000],
                            dn_key=k[:1000],
                            description=e.description[:500],
                            updated=e.updated[:40],
                        )
                        for (d, k), e in unique.items()
                    ],
                )
            counts = (
                len(unique),
                len(new_domains),
                len(new_domains - old_domains),
                len(old_domains - new_domains),
                len(added),
                len(removed),
            )
            res = await conn.execute(
                trust_lists.insert().values(
                    imported_at=now,
                    source=source[:500],
                    sha256=sha256,
                    generated_at=generated_at[:40],
                    entries=counts[0],
                    domains=counts[1],
                    added_domains=counts[2],
                    removed_domains=counts[3],
                    added_entries=counts[4],
                    removed_entries=counts[5],
                    raw=packed,
                )
            )
            pk = res.inserted_primary_key
            assert pk is not None
            list_id = int(pk[0])
            keep = select(trust_lists.c.id).order_by(trust_lists.c.id.desc()).limit(RAW_COPIES).scalar_subquery()
            await conn.execute(
                update(trust_lists)
                .where(trust_lists.c.id.not_in(keep) & trust_lists.c.raw.is_not(None))
                .values(raw=None)
            )
        listed = TrustList(list_id, now, source[:500], sha256, generated_at[:40], *counts, True)
        return TrustChange(
            listed,
            tuple(sorted(new_domains - old_domains)),
            tuple(sorted(old_domains - new_domains)),
            tuple(added),
            tuple(removed),
        )

    async def current(self) -> TrustList | None:
        """The list in force (the last imported), or None before the first import."""
        history = await self.history(1)
        return history[0] if history else None

    async def version(self) -> int:
        """Id of the list in force (0 before the first import): a cheap poll for caches on every node."""
        async with self._engine.connect() as conn:
            value = (await conn.execute(select(func.max(trust_lists.c.id)))).scalar()
        return int(value or 0)

    async def history(self, limit: int = 20) -> list[TrustList]:
        """Imported lists, newest first."""
        query = (
            select(*_LIST_COLUMNS, trust_lists.c.raw.is_not(None).label("has_copy"))
            .order_by(trust_lists.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [_list(r) for r in (await conn.execute(query)).all()]

    async def entries(self, domain: str | None = None) -> list[TrustEntry]:
        """Entries in force, for one domain (case-insensitive) or all, ordered by domain then DN."""
        query = select(trust_entries).order_by(trust_entries.c.domain, trust_entries.c.dn)
        if domain is not None:
            query = query.where(trust_entries.c.domain == domain.strip().rstrip(".").lower())
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [TrustEntry(r.domain, r.dn, r.dn_key, r.description, r.updated) for r in rows]

    async def copy(self, list_id: int | None = None) -> bytes | None:
        """The file of a list as it was received (default: the list in force); None if its copy was pruned."""
        query = select(trust_lists.c.raw).order_by(trust_lists.c.id.desc()).limit(1)
        if list_id is not None:
            query = select(trust_lists.c.raw).where(trust_lists.c.id == list_id)
        async with self._engine.connect() as conn:
            packed = (await conn.execute(query)).scalar()
        return None if packed is None else zlib.decompress(packed)
