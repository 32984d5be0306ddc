"""Queries by holder for the FHIR view: practitioners, organisations and roles (one per practitioner mailbox).

Owns the paging of distinct practitioners and organisations that have a mailbox visible to the viewer, with the
FHIR search parameters: name (word prefixes), identifier (national id), mailbox-mss (address) and
mailbox-mss-type (PER, ORG, APP, CAB). It never writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from directory.models import mailboxes, name_tokens, organisation_tokens, organisations, practitioners
from directory.normalise import query_tokens
from directory.records import MailboxEntry, Organisation, Practitioner, Viewer
from directory.search import load_entries, organisation_of, practitioner_of, token_prefix, visible_to

m = mailboxes.c


@dataclass(frozen=True)
class HolderQuery:
    name: str = ""
    identifier: str = ""  # a national id, or "system|value"
    mailbox: str = ""
    mailbox_type: str = ""
    offset: int = 0
    count: int = 20

    @property
    def identifier_value(self) -> str:
        return self.identifier.rsplit("|", 1)[-1].strip()


@dataclass(frozen=True)
class Page:
    items: tuple[Any, ...]
    has_more: bool


def _mailbox_filters(query: HolderQuery, viewer: Viewer) -> list[ColumnElement[bool]]:
    where = [visible_to(viewer)]
    if query.mailbox:
        where.append(m.address == query.mailbox.strip().lower())
    if query.mailbox_type:
        where.append(m.type == query.mailbox_type.strip().upper())
    return where


def _person_name(query: HolderQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for word in query_tokens(query.name):
        t = name_tokens.alias()
        where.append(exists().where(t.c.kind == "n", t.c.address == m.address, token_prefix(t.c.token, word)))
    return where


async def find_practitioners(engine: AsyncEngine, query: HolderQuery, viewer: Viewer) -> Page:
    """Page of (Practitioner, their visible mailboxes), ordered by national id."""
    where = [*_mailbox_filters(query, viewer), m.practitioner_id.is_not(None), *_person_name(query)]
    if query.identifier:
        where.append(m.practitioner_id == query.identifier_value)
    plan = (
        select(m.practitioner_id)
        .where(*where)
        .distinct()
        .order_by(m.practitioner_id)
        .offset(query.offset)
        .limit(query.count + 1)
    )
    async with engine.connect() as conn:
        ids = [r[0] for r in await conn.execute(plan)]
        page, more = ids[: query.count], len(ids) > query.count
        rows = await conn.execute(select(practitioners).where(practitioners.c.national_id.in_(page)))
        people = {r._mapping["national_id"]: practitioner_of(r._mapping) for r in rows}
        boxes = await _mailboxes_of(conn, m.practitioner_id, page, viewer)
    return Page(tuple((people[i], boxes.get(i, [])) for i in page if i in people), more)


async def find_organisations(engine: AsyncEngine, query: HolderQuery, viewer: Viewer) -> Page:
    """Page of (Organisation, its own visible mailboxes: those without a practitioner), by national id."""
    where = [*_mailbox_filters(query, viewer), m.organisation_id.is_not(None)]
    for word in query_tokens(query.name):
        ot = organisation_tokens.c
        where.append(m.organisation_id.in_(select(ot.national_id).where(token_prefix(ot.token, word))))
    if query.identifier:
        where.append(m.organisation_id == query.identifier_value)
    plan = (
        select(m.organisation_id)
        .where(*where)
        .distinct()
        .order_by(m.organisation_id)
        .offset(query.offset)
        .limit(query.count + 1)
    )
    async with engine.connect() as conn:
        ids = [r[0] for r in await conn.execute(plan)]
        page, more = ids[: query.count], len(ids) > query.count
        rows = await conn.execute(select(organisations).where(organisations.c.national_id.in_(page)))
        structures = {r._mapping["national_id"]: organisation_of(r._mapping) for r in rows}
        boxes = await _mailboxes_of(conn, m.organisation_id, page, viewer, own_only=True)
    return Page(tuple((structures[i], boxes.get(i, [])) for i in page if i in structures), more)


async def find_roles(engine: AsyncEngine, query: HolderQuery, viewer: Viewer) -> Page:
    """Page of practitioner mailboxes (one PractitionerRole each), by address."""
    where = [*_mailbox_filters(query, viewer), m.practitioner_id.is_not(None), *_person_name(query)]
    if query.identifier:
        where.append(m.practitioner_id == query.identifier_value)
    plan = select(m.address).where(*where).order_by(m.address).offset(query.offset).limit(query.count + 1)
    async with engine.connect() as conn:
        addresses = [r[0] for r in await conn.execute(plan)]
        entries = await load_entries(conn, addresses[: query.count])
    return Page(tuple(entries), len(addresses) > query.count)


async def _mailboxes_of(
    conn: Any, column: Any, ids: Sequence[str], viewer: Viewer, *, own_only: bool = False
) -> dict[str, list[MailboxEntry]]:
    where = [column.in_(list(ids)), visible_to(viewer)]
    if own_only:
        where.append(m.practitioner_id.is_(None))
    addresses = [r[0] for r in await conn.execute(select(m.address).where(*where).order_by(m.address))]
    grouped: dict[str, list[MailboxEntry]] = {}
    for entry in await load_entries(conn, addresses):
        holder = entry.practitioner if column is m.practitioner_id else entry.organisation
        key = holder.national_id if isinstance(holder, Practitioner | Organisation) else None
        if key is not None:
            grouped.setdefault(key, []).append(entry)
    return grouped
