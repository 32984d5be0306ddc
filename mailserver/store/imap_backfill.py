"""Search rows for messages stored without them (before migration 0300_imap, or by the outbound queue).

Owns finding messages that a folder holds but `message_search` lacks, and computing their rows from the
verified blob (the stored summary keeps no body text), a batch per transaction. Safe to run at any time and more
than once; a row written meanwhile by delivery is left alone. Never changes a message.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.engine import writer
from mailserver.store.imap_index import ensure_search_row, search_row
from mailserver.store.imap_schema import message_search
from mailserver.store.mail import MailStore
from mailserver.store.schema import folder_messages, messages

BATCH = 200


async def backfill_search_rows(engine: AsyncEngine, mail: MailStore, *, max_messages: int = 1_000_000) -> int:
    """Index up to `max_messages` folder messages that have no search row; returns how many were indexed."""
    done = 0
    while done < max_messages:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(messages.c.id, messages.c.summary)
                    .where(~exists().where(message_search.c.message_id == messages.c.id))
                    .where(exists().where(folder_messages.c.message_id == messages.c.id))
                    .limit(min(BATCH, max_messages - done))
                )
            ).all()
        if not rows:
            break
        bodies = await mail.read_messages([r.id for r in rows])
        computed = [(r.id, search_row(bodies[r.id])) for r in rows if r.id in bodies]
        async with writer(engine).begin() as conn:
            for message_id, row in computed:
                await ensure_search_row(conn, message_id, row)
        done += len(computed)
        if len(computed) < len(rows):
            break  # a message vanished meanwhile: stop rather than loop on it
    return done
