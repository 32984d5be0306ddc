"""This operator's own mailboxes in the directory: the admin service calls these when it creates, changes or
removes a mailbox, so local mailboxes are in the directory without an import.

Owns the mapping of a `LocalMailbox` to directory rows (source `local`, `is_local` true). A local entry is never
overwritten by the national import. Removal deletes the entry, its search tokens and its certificates.
Never reads the store's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from directory.entries import (
    delete_name_tokens,
    insert_ignoring,
    insert_tuples,
    name_token_rows,
    stored_tokens,
    upsert,
)
from directory.models import certificates, mailboxes, name_tokens, organisations, practitioners
from directory.normalise import fold, sort_key
from directory.records import MAILBOX_TYPES, SOURCE_LOCAL, LocalMailbox


class DirectoryInputError(ValueError):
    """A local mailbox handed to the directory cannot be an entry (unknown type, bad address)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def upsert_local_mailbox(
    engine: AsyncEngine, mailbox: LocalMailbox, *, clock: Callable[[], datetime] = _utc_now
) -> None:
    """Create or update the directory entry of a local mailbox (idempotent)."""
    kind = mailbox.type.upper()
    if kind not in MAILBOX_TYPES:
        raise DirectoryInputError(f"unknown mailbox type {mailbox.type!r}")
    address = mailbox.address.strip().lower()
    if address.count("@") != 1:
        raise DirectoryInputError("malformed mailbox address")
    now = clock()
    person = f"{mailbox.given_name} {mailbox.family_name}".strip()
    display = person or mailbox.service or mailbox.description or mailbox.organisation_name or address
    key = sort_key(mailbox.family_name, mailbox.given_name) if person else fold(display)[:200]
    people = []
    if mailbox.national_id:
        people.append(
            {
                "national_id": mailbox.national_id,
                "id_type": mailbox.national_id[:1],
                "civility": mailbox.civility,
                "family_name": mailbox.family_name,
                "given_name": mailbox.given_name,
                "category_code": "",
                "category_label": "",
                "profession_code": mailbox.profession_code,
                "profession_label": mailbox.profession_label,
                "speciality_code": mailbox.speciality_code,
                "speciality_label": mailbox.speciality_label,
                "sort_key": sort_key(mailbox.family_name, mailbox.given_name),
                "updated_at": now,
            }
        )
    box = {
        "address": address,
        "type": kind,
        "description": mailbox.description,
        "service": mailbox.service,
        "practitioner_id": mailbox.national_id or None,
        "organisation_id": mailbox.organisation_id or None,
        "dematerialisation": "",
        "liste_rouge": mailbox.liste_rouge,
        "is_local": True,
        "source": SOURCE_LOCAL,
        "row_hash": "",
        "sort_key": key,
        "profession_code": mailbox.profession_code,
        "speciality_code": mailbox.speciality_code,
        "profession_norm": fold(mailbox.profession_label)[:200],
        "speciality_norm": fold(mailbox.speciality_label)[:200],
        "postcode": "",
        "city_norm": "",
        "cn_norm": fold(display)[:200],
        "sn_norm": fold(mailbox.family_name or display)[:200],
        "given_norm": fold(mailbox.given_name)[:200],
        "o_norm": fold(mailbox.organisation_name)[:200],
        "created_at": now,
        "updated_at": now,
        "gone_at": None,
    }
    names = (mailbox.family_name, mailbox.given_name) if person else (mailbox.service or mailbox.description,)
    tokens = name_token_rows(box, names)
    async with engine.begin() as conn:
        old = await stored_tokens(conn, [address])
        await upsert(conn, practitioners, people)
        if mailbox.organisation_id and mailbox.organisation_name:
            # The national file's description of a structure wins over ours: only fill a missing one.
            await insert_ignoring(
                conn,
                organisations,
                {
                    "national_id": mailbox.organisation_id,
                    "id_type": mailbox.organisation_id[:1],
                    "legal_name": mailbox.organisation_name,
                    "name_norm": fold(mailbox.organisation_name)[:200],
                    "updated_at": now,
                },
            )
        await upsert(conn, mailboxes, [box], keep=("created_at",))
        await delete_name_tokens(conn, old)
        await insert_tuples(conn, name_tokens, tokens)


async def remove_local_mailbox(engine: AsyncEngine, address: str) -> bool:
    """Remove a local mailbox's entry (and its certificates); False if there was no local entry."""
    address = address.strip().lower()
    m = mailboxes.c
    async with engine.begin() as conn:
        old = await stored_tokens(conn, [address])
        result = await conn.execute(delete(mailboxes).where(m.address == address, m.is_local.is_(True)))
        if not result.rowcount:
            return False
        await delete_name_tokens(conn, old)
        await conn.execute(delete(certificates).where(certificates.c.address == address))
    return True
