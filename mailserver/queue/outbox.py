"""The queue's front door: messages for other operators, and DSNs to local or remote senders.

Owns `Outbox`, which the runtime hands to delivery (it satisfies `mailserver.delivery.outbound.OutboundQueue` and
`DeliveryReports` structurally; the two packages never import each other). `enqueue` computes the message's IMAP
summary (the stored `messages` row may later serve a local copy of the same bytes), writes the spool rows and
returns after the commit, then wakes the runner. `send_dsn` builds an RFC 3464 report and delivers it to a local
sender's INBOX or queues it with a null reverse path and NOTIFY=NEVER. Never sends SMTP itself, and never
reports on a message whose reverse path is null (RFC 3461 §6.1: no DSN about a DSN).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from mailserver.message.summary import summarise
from mailserver.queue.dsn import DsnReport, RecipientOutcome, build_dsn
from mailserver.queue.schedule import notify_text, wants
from mailserver.store import Store
from mailserver.store.mail import NewMessage
from mailserver.store.queue import Spool, SpoolRecipient

log = logging.getLogger("caducee.queue")


class Recipient(Protocol):
    @property
    def address(self) -> str: ...
    @property
    def notify(self) -> frozenset[str] | None: ...
    @property
    def orcpt(self) -> str | None: ...


class Envelope(Protocol):
    """What the queue reads of `mailserver.delivery.outbound.OutboundEnvelope`."""

    @property
    def mail_from(self) -> str: ...
    @property
    def recipients(self) -> Sequence[Recipient]: ...
    @property
    def ret(self) -> str | None: ...
    @property
    def envid(self) -> str | None: ...
    @property
    def submitter(self) -> str: ...


def stored_message(raw: bytes, now: datetime) -> NewMessage:
    summary = summarise(raw)
    return NewMessage.of(raw, summary, now)


class Outbox:
    def __init__(self, store: Store, spool: Spool, hostname: str, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._spool = spool
        self._hostname = hostname
        self._clock = clock
        self._wake: list[Callable[[], None]] = []

    def on_enqueue(self, wake: Callable[[], None]) -> None:
        """Call `wake` after each commit of new queue rows (the runner subscribes)."""
        self._wake.append(wake)

    async def enqueue(self, envelope: Envelope, raw: bytes) -> None:
        """Queue `raw` for the envelope's (remote) recipients; returns after the commit."""
        recipients = [SpoolRecipient(r.address, notify_text(r.notify), r.orcpt) for r in envelope.recipients]
        await self._spool.enqueue(
            stored_message(raw, self._clock()),
            envelope.mail_from,
            recipients,
            ret=envelope.ret,
            envid=envelope.envid,
            submitter=envelope.submitter,
        )
        for wake in self._wake:
            wake()

    async def delivered(self, envelope: Envelope, raw: bytes, recipients: Sequence[str] = ()) -> None:
        """Success DSNs for local deliveries (RFC 3461 §4.1 NOTIFY=SUCCESS), sent to `envelope.mail_from`."""
        chosen = {a.lower() for a in recipients}
        outcomes = tuple(
            RecipientOutcome(r.address, "delivered", "2.0.0", r.orcpt, last_attempt=self._clock())
            for r in envelope.recipients
            if (not chosen or r.address.lower() in chosen) and wants(notify_text(r.notify), "SUCCESS")
        )
        if outcomes:
            now = self._clock()
            report = DsnReport(self._hostname, envelope.mail_from, outcomes, raw, now, envelope.envid, envelope.ret)
            await self.send_dsn(report)

    async def send_dsn(self, report: DsnReport) -> None:
        """Deliver the DSN to the sender's mailbox if it is ours, else queue it for the sender's operator."""
        if not report.sender:
            return  # RFC 3461 §6.1 / RFC 5321 §4.5.5: never a DSN about a message with a null reverse path
        now = self._clock()
        raw = build_dsn(report, now)
        box = await self._store.accounts.get_mailbox(report.sender)
        if box is not None:
            await self._store.mail.deliver(stored_message(raw, now), [box.id])
        elif await self._is_local(report.sender):
            log.warning("DSN dropped: sender mailbox does not exist", extra={"actions": _actions(report.recipients)})
            return
        else:
            await self._spool.enqueue(
                stored_message(raw, now), "", [SpoolRecipient(report.sender, "NEVER")], submitter="MAILER-DAEMON"
            )
            for wake in self._wake:
                wake()
        log.info("DSN sent", extra={"actions": _actions(report.recipients), "local": box is not None})

    async def _is_local(self, address: str) -> bool:
        domain = address.rpartition("@")[2].lower()
        return any(d.name == domain for d in await self._store.accounts.list_domains())


def _actions(outcomes: Iterable[RecipientOutcome]) -> str:
    return ",".join(sorted({o.action for o in outcomes}))
