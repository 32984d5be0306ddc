"""Search and lookup of directory entries.

Owns the query plans that keep a name-prefix search fast over 535,000 entries: the longest query word drives one
range scan of `dir_name_token` (`token >= p AND token < p'`, binary collation), which comes out already in rank
order (token, then folded family and given name), joined to the mailbox by its key; every other word must
prefix-match another token of the same entry. Other criteria filter the same rows. Ranking: entries whose word
equals the query come first (they sort first within the range), then the longer words, alphabetically;
within a word, by family then given name.

`liste_rouge` entries are left out unless the viewer `sees_liste_rouge`, and gone mailboxes never appear in
searches; `get_by_address` resolves both, for routing. It never writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from directory.models import mailboxes, name_tokens, organisation_tokens, organisations, practitioners
from directory.normalise import fold, prefix_upper_bound, query_tokens
from directory.records import MailboxEntry, Organisation, Practitioner, SearchPage, SearchQuery, Viewer, as_utc

MAX_LIMIT = 200
MAX_OFFSET = 10_000
m = mailboxes.c
t = name_tokens.c


def token_prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as an index range (works on SQLite and on PostgreSQL "C" columns)."""
    return and_(column >= prefix, column < prefix_upper_bound(prefix))


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Entries a search by `viewer` may return: not gone, and not liste_rouge unless the viewer may see them."""
    condition: ColumnElement[bool] = m.gone_at.is_(None)
    if not viewer.sees_liste_rouge:
        condition = and_(condition, m.liste_rouge == false())
    return condition


def criteria(query: SearchQuery) -> list[ColumnElement[bool]]:
    """The non-name criteria of `query` as conditions on `dir_mailbox`."""
    where: list[ColumnElement[bool]] = []
    if query.profession:
        where.append(_code_or_label(query.profession, m.profession_code, m.profession_norm))
    if query.speciality:
        where.append(_code_or_label(query.speciality, m.speciality_code, m.speciality_norm))
    if query.postcode.strip():
        where.append(token_prefix(m.postcode, query.postcode.strip()))
    if fold(query.city):
        where.append(token_prefix(m.city_norm, fold(query.city)))
    if query.mailbox_type:
        where.append(m.type == query.mailbox_type.upper())
    if query.address.strip():
        where.append(token_prefix(m.address, query.address.strip().lower()))
    for word in query_tokens(query.organisation):
        ot = organisation_tokens.c
        where.append(m.organisation_id.in_(select(ot.national_id).where(token_prefix(ot.token, word))))
    return where


def _code_or_label(value: str, code: Any, label: Any) -> ColumnElement[bool]:
    value = value.strip()
    folded = fold(value)
    if not folded:
        return code == value  # type: ignore[no-any-return]
    return or_(code == value.upper(), token_prefix(label, folded))


def _name_plan(words: Sequence[str], where: list[ColumnElement[bool]]) -> Select[Any]:
    driver, others = words[0], words[1:]
    plan = (
        select(t.address)
        .join(mailboxes, m.address == t.address)
        .where(t.kind == "n", token_prefix(t.token, driver), *where)
        .order_by(t.token, t.sort_key, t.address)
    )
    for word in others:
        other = name_tokens.alias()
        plan = plan.where(
            exists().where(other.c.kind == "n", other.c.address == t.address, token_prefix(other.c.token, word))
        )
    return plan


async def search(engine: AsyncEngine, query: SearchQuery, viewer: Viewer) -> SearchPage:
    """One page of entries matching every criterion of `query`, best first."""
    limit = max(1, min(query.limit, MAX_LIMIT))
    offset = max(0, min(query.offset, MAX_OFFSET))
    where = [visible_to(viewer), *criteria(query)]
    words = query_tokens(query.name)
    async with engine.connect() as conn:
        if words:
            addresses = await _distinct_page(conn, _name_plan(words, where), offset, limit + 1)
        else:
            plan = select(m.address).where(*where).order_by(m.sort_key, m.address).offset(offset).limit(limit + 1)
            addresses = [r[0] for r in await conn.execute(plan)]
        entries = await load_entries(conn, addresses[:limit])
    return SearchPage(tuple(entries), offset, limit, has_more=len(addresses) > limit)


async def _distinct_page(conn: AsyncConnection, plan: Select[Any], offset: int, count: int) -> list[str]:
    """Addresses `offset` to `offset + count` of `plan`, each once (an entry may match the driving word through
    two of its tokens, "mart" → "martin" and "martine"): over-fetch until the page is full or rows run out."""
    fetch = (offset + count) * 2
    while True:
        rows = [r[0] for r in await conn.execute(plan.limit(fetch))]
        seen: dict[str, None] = dict.fromkeys(rows)
        if len(seen) >= offset + count or len(rows) < fetch:
            return list(seen)[offset : offset + count]
        fetch *= 4


async def find_matching(
    engine: AsyncEngine, condition: ColumnElement[bool], viewer: Viewer, limit: int, *, address: str | None = None
) -> list[MailboxEntry]:
    """Up to `limit` entries visible to `viewer` that satisfy `condition` (an LDAP filter, translated)."""
    where = [visible_to(viewer), condition]
    if address is not None:
        where.append(m.address == address)
    async with engine.connect() as conn:
        addresses = [r[0] for r in await conn.execute(select(m.address).where(*where).limit(limit))]
        return await load_entries(conn, addresses)


async def get_by_address(engine: AsyncEngine, address: str) -> MailboxEntry | None:
    """The entry of `address` whatever its status (liste_rouge, gone): routing needs every known address."""
    async with engine.connect() as conn:
        found = await load_entries(conn, [address.strip().lower()])
    return found[0] if found else None


async def get_practitioner(
    engine: AsyncEngine, national_id: str, viewer: Viewer
) -> tuple[Practitioner, list[MailboxEntry]] | None:
    """A practitioner and the mailboxes of theirs that `viewer` may see."""
    async with engine.connect() as conn:
        row = (await conn.execute(select(practitioners).where(practitioners.c.national_id == national_id))).first()
        if row is None:
            return None
        plan = select(m.address).where(m.practitioner_id == national_id, visible_to(viewer)).order_by(m.address)
        entries = await load_entries(conn, [r[0] for r in await conn.execute(plan)])
    return practitioner_of(row._mapping), entries


async def load_entries(conn: AsyncConnection, addresses: Sequence[str]) -> list[MailboxEntry]:
    """Entries of `addresses`, in that order, with their practitioner and organisation."""
    if not addresses:
        return []
    p, o = practitioners, organisations
    plan = (
        select(mailboxes, *_prefixed(p, "p_"), *_prefixed(o, "o_"))
        .outerjoin(p, p.c.national_id == m.practitioner_id)
        .outerjoin(o, o.c.national_id == m.organisation_id)
        .where(m.address.in_(list(addresses)))
    )
    by_address = {}
    for row in await conn.execute(plan):
        values = row._mapping
        by_address[values["address"]] = entry_of(values)
    return [by_address[a] for a in addresses if a in by_address]


def _prefixed(table: Any, prefix: str) -> list[Any]:
    return [c.label(prefix + c.name) for c in table.columns]


def practitioner_of(values: Any, prefix: str = "") -> Practitioner:
    return Practitioner(**{name: values[prefix + name] for name in Practitioner.__dataclass_fields__})


def organisation_of(values: Any, prefix: str = "") -> Organisation:
    return Organisation(
        national_id=values[prefix + "national_id"],
        id_type=values[prefix + "id_type"],
        legal_name=values[prefix + "legal_name"],
        trade_name=values[prefix + "trade_name"],
        address_lines=tuple(values[f"{prefix}address_{i}"] for i in range(1, 9)),
        postcode=values[prefix + "postcode"],
        city=values[prefix + "city"],
        department=values[prefix + "department"],
        country=values[prefix + "country"],
    )


def entry_of(values: Any) -> MailboxEntry:
    return MailboxEntry(
        address=values["address"],
        type=values["type"],
        description=values["description"],
        service=values["service"],
        practitioner=practitioner_of(values, "p_") if values["p_national_id"] else None,
        organisation=organisation_of(values, "o_") if values["o_national_id"] else None,
        liste_rouge=bool(values["liste_rouge"]),
        is_local=bool(values["is_local"]),
        source=values["source"],
        dematerialisation=values["dematerialisation"],
        profession_code=values["profession_code"] or "",
        gone_at=as_utc(values["gone_at"]),
        updated_at=as_utc(values["updated_at"]),
    )
