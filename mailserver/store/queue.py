"""The outbound spool: one row per remote recipient, claimed under a lease, its message stored once, sealed.

Owns the tables `queue_messages` and `queue_recipients` and every statement on them. A queued message is a
`messages`/`blobs` row of the mail store (compressed and encrypted at rest, shared by content hash with any
local copy of the same bytes), referenced by one `queue_messages` row (envelope: reverse path, RET, ENVID).
`enqueue` returns after the commit. Recipients are claimed by setting a lease (`lease_until` and a random
token), never by deleting them: a worker that dies leaves rows that become due again when the lease runs out
(DESIGN.md §4: `FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite BEGIN IMMEDIATE makes one claimer at a time).
Outcomes are written only by the holder of the lease token. A recipient row is deleted at its final outcome,
and the message and blob go with the last recipient unless a mailbox still holds them.
Never sends mail, never decides retry times or DSNs (that is `mailserver.queue`), never logs message content.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from mailserver.errors import NotFound
from mailserver.store.blobs import BlobCipher, SealedBlob
from mailserver.store.engine import writer
from mailserver.store.mail import NewMessage
from mailserver.store.schema import Id, Stamp, blobs, folder_messages, messages, metadata

queue_messages = Table(
    "queue_messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("message_id", Id, ForeignKey("messages.id"), nullable=False, index=True),
    Column("mail_from", String(320), nullable=False),  # "" for a DSN (RFC 5321 §4.5.5 null reverse path)
    Column("ret", String(4), nullable=True),  # RFC 3461 §4.3 FULL | HDRS
    Column("envid", String(100), nullable=True),  # RFC 3461 §4.4, decoded
    Column("submitter", String(320), nullable=False),
    Column("created_at", Stamp, nullable=False),  # arrival: retry and expiry count from here
)

queue_recipients = Table(
    "queue_recipients",
    metadata,
    Column("id", Id, primary_key=True),
    Column("queue_message_id", Id, ForeignKey("queue_messages.id", ondelete="CASCADE"), nullable=False),
    Column("address", String(320), nullable=False),
    Column("domain", String(253), nullable=False),  # lower-case: the routing key
    Column("notify", String(32), nullable=True),  # RFC 3461 §4.1, e.g. "SUCCESS,DELAY"; NULL = not given
    Column("orcpt", String(500), nullable=True),  # RFC 3461 §4.2, "rfc822;addr", decoded
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Stamp, nullable=False),
    Column("lease_until", Stamp, nullable=True),
    Column("lease_token", String(32), nullable=True),
    Column("last_error", Text, nullable=True),  # the last reply or network error, for `queue list` and DSNs
    Column("delay_notified", Boolean, nullable=False),
    Index("ix_queue_recipients_due", "next_attempt_at"),
    Index("ix_queue_recipients_message", "queue_message_id"),
)


@dataclass(frozen=True)
class SpoolRecipient:
    address: str
    notify: str | None = None
    orcpt: str | None = None


@dataclass(frozen=True)
class Claimed:
    """A recipient row claimed for one attempt; `token` proves the claim when the outcome is written."""

    id: int
    queue_message_id: int
    message_id: int
    mail_from: str
    ret: str | None
    envid: str | None
    created_at: datetime
    address: str
    domain: str
    notify: str | None
    orcpt: str | None
    attempts: int
    delay_notified: bool
    last_error: str | None
    token: str


@dataclass(frozen=True)
class SpoolEntry:
    """A pending recipient, as `caducee queue list` shows it."""

    id: int
    queue_message_id: int
    mail_from: str
    address: str
    attempts: int
    next_attempt_at: datetime
    leased: bool
    last_error: str | None
    created_at: datetime


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stamp here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Spool:
    def __init__(self, engine: AsyncEngine, cipher: BlobCipher, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._cipher = cipher
        self._clock = clock

    # ------------------------------------------------------------------ enqueue
    async def enqueue(
        self,
        message: NewMessage,
        mail_from: str,
        recipients: Sequence[SpoolRecipient],
        *,
        ret: str | None = None,
        envid: str | None = None,
        submitter: str = "",
    ) -> int:
        """Store the message once and one row per recipient; returns the queue message id after the commit."""
        if not recipients:
            raise ValueError("a queued message needs at least one recipient")
        sealed = self._cipher.seal(message.raw)  # sealing happens before the transaction, never inside
        now = self._clock()
        async with writer(self._engine).begin() as conn:
            message_id = await _message_row(conn, sealed, message, now)
            res = await conn.execute(
                queue_messages.insert().values(
                    message_id=message_id,
                    mail_from=mail_from,
                    ret=ret,
                    envid=envid,
                    submitter=submitter,
                    created_at=now,
                )
            )
            pk = res.inserted_primary_key
            assert pk is not None
            await conn.execute(
                queue_recipients.insert(),
                [
                    dict(
                        queue_message_id=pk[0],
                        address=r.address,
                        domain=r.address.rpartition("@")[2].lower(),
                        notify=r.notify,
                        orcpt=r.orcpt,
                        attempts=0,
                        next_attempt_at=now,
                        lease_until=None,
                        lease_token=None,
                        last_error=None,
                        delay_notified=False,
                    )
                    for r in recipients
                ],
            )
        return int(pk[0])

    # ------------------------------------------------------------------ claiming
    async def claim_due(self, limit: int, lease_seconds: float) -> list[Claimed]:
        """Lease up to `limit` due recipients (oldest due first) to this caller."""
        now = self._clock()
        token = secrets.token_hex(16)
        free = (queue_recipients.c.lease_until.is_(None)) | (queue_recipients.c.lease_until < now)
        due = (
            select(queue_recipients.c.id)
            .where((queue_recipients.c.next_attempt_at <= now) & free)
            .order_by(queue_recipients.c.next_attempt_at, queue_recipients.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises claimers
        )
        async with writer(self._engine).begin() as conn:
            ids = list((await conn.execute(due)).scalars())
            if not ids:
                return []
            until = now.timestamp() + lease_seconds
            await conn.execute(
                update(queue_recipients)
                .where(queue_recipients.c.id.in_(ids))
                .values(lease_until=datetime.fromtimestamp(until, UTC), lease_token=token)
            )
            rows = (
                await conn.execute(
                    select(queue_recipients, queue_messages)
                    .join(queue_messages, queue_messages.c.id == queue_recipients.c.queue_message_id)
                    .where(queue_recipients.c.id.in_(ids))
                    .order_by(queue_recipients.c.id)
                )
            ).all()
        return [
            Claimed(
                r.id,
                r.queue_message_id,
                r.message_id,
                r.mail_from,
                r.ret,
                r.envid,
                aware(r.created_at),
                r.address,
                r.domain,
                r.notify,
                r.orcpt,
                r.attempts,
                r.delay_notified,
                r.last_error,
                token,
            )
            for r in rows
        ]

    async def next_due(self) -> datetime | None:
        """When the earliest pending recipient is next due (for the runner's sleep)."""
        async with self._engine.connect() as conn:
            value = (await conn.execute(select(queue_recipients.c.next_attempt_at).order_by("next_attempt_at"))).first()
        return aware(value[0]) if value is not None else None

    async def read(self, message_id: int) -> bytes:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(blobs.c.data, blobs.c.sha256)
                    .join(messages, messages.c.blob_id == blobs.c.id)
                    .where(messages.c.id == message_id)
                )
            ).first()
        if row is None:
            raise NotFound("no such queued message", f"message {message_id} of the queue has no blob")
        return self._cipher.open(row.data, row.sha256)

    # ------------------------------------------------------------------ outcomes (only with the lease token)
    async def defer(self, claims: Sequence[Claimed], next_attempt_at: datetime, error: str) -> None:
        """Count a failed attempt and schedule the next one; the lease ends."""
        async with writer(self._engine).begin() as conn:
            for c in claims:
                await conn.execute(
                    update(queue_recipients)
                    .where(_held(c))
                    .values(
                        attempts=queue_recipients.c.attempts + 1,
                        next_attempt_at=next_attempt_at,
                        lease_until=None,
                        lease_token=None,
                        last_error=error[:2000],
                    )
                )

    async def mark_delay_notified(self, claims: Sequence[Claimed]) -> None:
        async with writer(self._engine).begin() as conn:
            await conn.execute(
                update(queue_recipients)
                .where(queue_recipients.c.id.in_([c.id for c in claims]))
                .values(delay_notified=True)
            )

    async def release(self, claims: Sequence[Claimed]) -> None:
        """Give the claims back untouched (shutdown, or no slot for the destination)."""
        async with writer(self._engine).begin() as conn:
            for c in claims:
                await conn.execute(update(queue_recipients).where(_held(c)).values(lease_until=None, lease_token=None))

    async def finish(self, claims: Sequence[Claimed]) -> None:
        """Final outcome (delivered, relayed, failed): remove the rows, then the message if nothing else holds it."""
        async with writer(self._engine).begin() as conn:
            for c in claims:
                await conn.execute(delete(queue_recipients).where(_held(c)))
            await _collect(conn, {c.queue_message_id for c in claims})

    # ------------------------------------------------------------------ administration
    async def pending(self) -> list[SpoolEntry]:
        now = self._clock()
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(queue_recipients, queue_messages.c.mail_from, queue_messages.c.created_at)
                    .join(queue_messages, queue_messages.c.id == queue_recipients.c.queue_message_id)
                    .order_by(queue_recipients.c.id)
                )
            ).all()
        return [
            SpoolEntry(
                r.id,
                r.queue_message_id,
                r.mail_from,
                r.address,
                r.attempts,
                aware(r.next_attempt_at),
                r.lease_until is not None and aware(r.lease_until) > now,
                r.last_error,
                aware(r.created_at),
            )
            for r in rows
        ]

    async def retry_now(self, recipient_id: int | None = None) -> int:
        """Make one recipient (or all) due now; a recipient being sent keeps its lease. Returns the count."""
        now = self._clock()
        cond = queue_recipients.c.lease_until.is_(None) | (queue_recipients.c.lease_until < now)
        if recipient_id is not None:
            cond = cond & (queue_recipients.c.id == recipient_id)
        async with writer(self._engine).begin() as conn:
            res = await conn.execute(update(queue_recipients).where(cond).values(next_attempt_at=now))
        if recipient_id is not None and res.rowcount == 0:
            raise NotFound(f"no queued recipient {recipient_id} (or it is being sent)")
        return int(res.rowcount)

    async def remove(self, recipient_id: int) -> SpoolEntry:
        """Delete one recipient from the queue without a DSN (`caducee queue delete`)."""
        entry = next((e for e in await self.pending() if e.id == recipient_id), None)
        if entry is None:
            raise NotFound(f"no queued recipient {recipient_id}")
        async with writer(self._engine).begin() as conn:
            await conn.execute(delete(queue_recipients).where(queue_recipients.c.id == recipient_id))
            await _collect(conn, {entry.queue_message_id})
        return entry


def _held(c: Claimed) -> ColumnElement[bool]:
    return (queue_recipients.c.id == c.id) & (queue_recipients.c.lease_token == c.token)


def _insert(conn: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    return postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)


async def _message_row(conn: AsyncConnection, sealed: SealedBlob, msg: NewMessage, now: datetime) -> int:
    """The `messages` row of these bytes, created if absent (shared with local deliveries of the same bytes)."""
    blob_id = (await conn.execute(select(blobs.c.id).where(blobs.c.sha256 == sealed.sha256))).scalar()
    if blob_id is None:
        await conn.execute(
            _insert(conn, blobs)
            .values(sha256=sealed.sha256, size=sealed.size, key_id=sealed.key_id, data=sealed.data)
            .on_conflict_do_nothing(index_elements=["sha256"])
        )
        blob_id = (await conn.execute(select(blobs.c.id).where(blobs.c.sha256 == sealed.sha256))).scalar_one()
    await conn.execute(
        _insert(conn, messages)
        .values(
            blob_id=blob_id,
            size=len(msg.raw),
            message_id_header=msg.message_id_header or None,
            summary=msg.summary_json,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["blob_id"])
    )
    return int((await conn.execute(select(messages.c.id).where(messages.c.blob_id == blob_id))).scalar_one())


async def _collect(conn: AsyncConnection, queue_message_ids: set[int]) -> None:
    """Drop queue messages without recipients, and their message and blob unless a folder or another queue
    message still refers to them."""
    for qid in queue_message_ids:
        left = (
            await conn.execute(select(queue_recipients.c.id).where(queue_recipients.c.queue_message_id == qid).limit(1))
        ).first()
        if left is not None:
            continue
        message_id = (
            await conn.execute(select(queue_messages.c.message_id).where(queue_messages.c.id == qid))
        ).scalar()
        await conn.execute(delete(queue_messages).where(queue_messages.c.id == qid))
        if message_id is None:
            continue
        in_folder = (
            await conn.execute(select(folder_messages.c.id).where(folder_messages.c.message_id == message_id).limit(1))
        ).first()
        in_queue = (
            await conn.execute(select(queue_messages.c.id).where(queue_messages.c.message_id == message_id).limit(1))
        ).first()
        if in_folder is None and in_queue is None:
            blob_id = (await conn.execute(select(messages.c.blob_id).where(messages.c.id == message_id))).scalar()
            await conn.execute(delete(messages).where(messages.c.id == message_id))
            await conn.execute(delete(blobs).where(blobs.c.id == blob_id))
