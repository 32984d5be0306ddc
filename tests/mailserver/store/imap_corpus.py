"""Messages for the IMAP store tests: real RFC 5322 bytes with the summary `mailserver.message` computes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from mailserver.message import summarise
from mailserver.store import Store
from mailserver.store.imap_criteria import TextContains
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imapview import ImapView
from mailserver.store.mail import NewMessage
from mailserver.store.records import Mailbox

T0 = datetime(2025, 1, 13, 9, 30, tzinfo=UTC)


def message_bytes(
    n: int,
    *,
    subject: str | None = None,
    sender: str = "Dr Claire Martin <claire.martin@hopital.example.test>",
    to: str = "Secrétariat <secretariat@cabinet.example.test>",
    cc: str | None = None,
    date: str | None = "Mon, 13 Jan 2025 09:30:00 +0100",
    body: str | None = None,
    extra: str = "",
) -> bytes:
    lines = [f"From: {sender}", f"To: {to}"]
    if cc is not None:
        lines.append(f"Cc: {cc}")
    lines.append(f"Subject: {subject if subject is not None else f'Compte rendu {n}'}")
    if date is not None:
        lines.append(f"Date: {date}")
    lines.append(f"Message-ID: <m{n}@hopital.example.test>")
    if extra:
        lines.extend(extra.strip("\n").split("\n"))
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", ""]
    lines.append(body if body is not None else f"Bonjour,\nle patient numéro {n} est sorti ce matin.\n")
    return "\r\n".join(lines).replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode("utf-8")


def new_message(raw: bytes, internal_date: datetime = T0) -> NewMessage:
    summary = summarise(raw)
    return NewMessage.of(raw, summary, internal_date)


async def mailbox(store: Store, address: str = "dr.bernard@example.test", type_: str = "PER") -> Mailbox:
    return await store.accounts.create_mailbox(address, type_)


async def inbox_id(view: ImapView, mailbox_id: int, name: str = "INBOX") -> int:
    return (await view.directory.folder(mailbox_id, name)).id


async def fill(store: Store, mailbox_id: int, count: int, folder: str = "INBOX", *, start: int = 0) -> list[int]:
    """Deliver `count` distinct messages (numbered from `start`); their UIDs."""
    uids = []
    for n in range(start, start + count):
        delivered = await store.mail.deliver(new_message(message_bytes(n)), [mailbox_id], folder=folder)
        uids.append(delivered[0].uid)
    return uids


async def scalar(store: Store, sql: str) -> int:
    """One integer a literal SQL query returns (tests inspecting the store's own tables)."""
    async with store.engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def search_text(view: ImapView, folder_id: int, needle: str) -> list[int]:
    """UIDs of SEARCH TEXT `needle`."""
    return (await view.search.search(folder_id, TextContains(needle))).uids.tolist()


async def expunge_half_indexed(store: Store, view: ImapView, mailbox_id: int, folder_id: int) -> None:
    """Two messages whose text is indexed and two whose text is not yet, all expunged and collected (`view`'s
    clock must be past the collector's grace period)."""
    store.mail.pause_indexing()
    await fill(store, mailbox_id, 2)
    await store.mail.index_text()
    await fill(store, mailbox_id, 2, start=2)
    await view.flags.store(folder_id, [(1, 4)], FlagOperation.ADD, ["\\Deleted"])
    await view.flags.expunge(folder_id)
    await view.gc.collect()
