"""Export of this operator's own mailboxes in the national extraction format (DOMAIN.md §4), for publication.

Owns the reverse mapping of an entry to the 31 columns. **liste_rouge flag:** the national format has no
column for it, so the export appends a 32nd column, `Liste rouge`, holding `O` for a liste_rouge mailbox and
`N` otherwise; a reader that parses the 31 columns by position (as ours does) is unaffected, and the flag is
never silently dropped. Separators and line breaks inside values are replaced by spaces. Never writes to the
database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from directory.extraction import HEADER_V1
from directory.models import mailboxes
from directory.records import MailboxEntry
from directory.search import load_entries

LISTE_ROUGE_LABEL = "Liste rouge"


def _clean(value: str) -> str:
    return value.replace("|", " ").replace("\r", " ").replace("\n", " ").strip()


def export_fields(entry: MailboxEntry) -> list[str]:
    """The 31 national columns of `entry`, then the liste_rouge flag."""
    p = entry.practitioner
    o = entry.organisation
    national_id = p.national_id if p else ""
    fields = [
        entry.type,
        entry.address,
        national_id[:1],
        national_id[1:],
        national_id,
        o.national_id[:1] if o else "",
        o.national_id if o else "",
        entry.service,
        p.civility if p else "",
        p.family_name if p else "",
        p.given_name if p else "",
        p.category_code if p else "",
        p.category_label if p else "",
        p.profession_code if p else "",
        p.profession_label if p else "",
        p.speciality_code if p else "",
        p.speciality_label if p else "",
        entry.dematerialisation,
        o.legal_name if o else "",
        o.trade_name if o else "",
        *(o.address_lines if o and len(o.address_lines) == 8 else ("",) * 8),
        o.postcode if o else "",
        o.department if o else "",
        o.country if o else "",
    ]
    return [_clean(f) for f in fields] + ["O" if entry.liste_rouge else "N"]


async def local_entries(engine: AsyncEngine) -> list[MailboxEntry]:
    m = mailboxes.c
    async with engine.connect() as conn:
        plan = select(m.address).where(m.is_local.is_(True)).order_by(m.address)
        addresses = [r[0] for r in await conn.execute(plan)]
        return await load_entries(conn, addresses)


def write_extraction(entries: Iterable[MailboxEntry], out: TextIO) -> int:
    """Write the header and one line per entry; return the number of lines written (without the header)."""
    out.write(f"{HEADER_V1}|{LISTE_ROUGE_LABEL}\n")
    count = 0
    for entry in entries:
        out.write("|".join(export_fields(entry)) + "\n")
        count += 1
    return count
