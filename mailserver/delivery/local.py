"""The act of local delivery: store the message once for every local recipient, durably, then follow up.

Owns building the stored copy (`Return-Path:` and our `Received:` line, then the message as received), computing
its summary once (`mailserver.message.summarise`: what IMAP and webmail read without parsing again, DESIGN.md §5),
and handing it to `MailStore.deliver`, which returns only after the commit (group commit, one row per recipient
folder, idempotent per mailbox on the digest of the bytes as received). After the commit: record what patients
received (the conversation facts of DOMAIN.md §6), and ask the queue for success DSNs (RFC 3461 NOTIFY=SUCCESS).
Never decides and never writes to a socket.
"""

from __future__ import annotations

import hashlib

from mailserver.delivery.context import DeliveryContext
from mailserver.delivery.conversations import record_received, thread_headers
from mailserver.delivery.envelope import Recipient, Transaction
from mailserver.delivery.outbound import OutboundEnvelope, OutboundRecipient
from mailserver.delivery.stamps import return_path
from mailserver.message import summarise
from mailserver.store.mail import NewMessage
from mailserver.store.records import Delivered


async def deliver_local(
    ctx: DeliveryContext,
    txn: Transaction,
    content: bytes,
    trace: bytes,
    recipients: list[Recipient],
    *,
    digest_of: bytes,
) -> list[Delivered]:
    """Store `Return-Path` + `trace` + `content` for `recipients`; `digest_of` is the message as received (the
    redelivery key)."""
    now = ctx.clock()
    raw = return_path(txn.mail_from) + trace + content
    summary = summarise(raw)
    message = NewMessage.of(raw, summary, now, digest=hashlib.sha256(digest_of).digest())
    delivered = await ctx.store.mail.deliver(message, [r.mailbox_id for r in recipients if r.mailbox_id is not None])
    patients = [r for r in recipients if r.patient and r.mailbox_id is not None]
    if patients and txn.sender_kind == "professional":
        headers = thread_headers(content)
        for r in patients:
            assert r.mailbox_id is not None
            await record_received(ctx.threads, r.mailbox_id, headers, txn.mail_from)
    await _success_reports(ctx, txn, raw, recipients)
    return delivered


def submitter_of(txn: Transaction) -> str:
    """Who handed the message to us: the authenticated identity, or the MX peer's certificate DN."""
    if txn.session.submitter is not None:
        return txn.session.submitter.subject
    return txn.session.peer.subject_dn if txn.session.peer is not None else ""


async def _success_reports(ctx: DeliveryContext, txn: Transaction, raw: bytes, recipients: list[Recipient]) -> None:
    wanted = [r for r in recipients if r.notify is not None and "SUCCESS" in r.notify]
    if not wanted or not txn.mail_from or ctx.reports is None:  # never a DSN about a DSN (RFC 3461 §5.2.1 / 3464)
        return
    envelope = OutboundEnvelope(
        txn.mail_from,
        tuple(OutboundRecipient(r.address, r.notify, r.orcpt) for r in wanted),
        ret=txn.params.ret,
        envid=txn.params.envid,
        submitter=submitter_of(txn),
    )
    await ctx.reports.delivered(envelope, raw)
