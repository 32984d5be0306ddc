"""Announcing folder changes: inside the writing transaction to other processes, after it to this one.

Owns the wire form of a change, `"<folder_id>:<modseq>"` on the PostgreSQL channel `caducee_folders` (the
channel and form delivery already uses), and the convention that modseq 0 (`FOLDER_GONE`) means the folder was
deleted or emptied into a \\Noselect name. PostgreSQL delivers a NOTIFY only when its transaction commits, so
listeners never see a change that rolled back. Never announces in-process before the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from mailserver.store.mail_postgres import NOTIFY_CHANNEL

FOLDER_GONE = 0
Publish = Callable[[list[tuple[int, int]]], None]  # in-process, after the commit: MailStore.publish


async def notify_in(conn: AsyncConnection, changes: Iterable[tuple[int, int]]) -> None:
    """Queue NOTIFYs for `changes` [(folder_id, modseq)] in the open transaction (PostgreSQL only)."""
    if conn.dialect.name != "postgresql":
        return  # SQLite watchers poll folders.highestmodseq (imap_feed)
    for folder_id, modseq in dict.fromkeys(changes):
        await conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": NOTIFY_CHANNEL, "p": f"{folder_id}:{modseq}"})


def parse_payload(payload: str) -> tuple[int, int] | None:
    """(folder_id, modseq) of a NOTIFY payload, None when it is not one."""
    folder, sep, modseq = payload.partition(":")
    if not sep or not folder.isdigit() or not modseq.isdigit():
        return None
    return int(folder), int(modseq)
