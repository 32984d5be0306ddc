"""The end of DATA: the last checks on the message, then the acts (local store, outbound queue, audit).

Owns the order of the final stage: the measured size (`policies.size`, 25 MB for patients), the patient's
conversation rule for each recipient when a patient sends (`policies.patient_sending`: a reply to that
professional in an open conversation, or a pharmacy), then the acts: a Message-ID for submissions without one,
one Received line, local delivery (durable before returning), then the queue for other operators (durable before
returning too), then the audit trace of a submission. The caller answers `250` only when this returns an
accepted decision; any exception becomes a temporary failure and the client retries (redelivery is idempotent).
"""

from __future__ import annotations

import logging

from mailserver.delivery.context import DeliveryContext
from mailserver.delivery.conversations import reply_facts, thread_headers
from mailserver.delivery.envelope import Transaction
from mailserver.delivery.local import deliver_local, submitter_of
from mailserver.delivery.outbound import OutboundEnvelope, OutboundRecipient
from mailserver.delivery.stamps import missing_message_id, received
from policies import patient_sending, size
from policies.decision import ACCEPT, Decision

log = logging.getLogger("caducee.delivery")


async def finish(ctx: DeliveryContext, txn: Transaction, content: bytes) -> Decision:
    decision = size.decide(size.SizeFacts(ctx.config.max_message_size, len(content), txn.to_patient))
    if not decision.accepted:
        return decision
    if txn.sender_kind == "patient":
        decision = await _patient_may_send(ctx, txn, content)
        if not decision.accepted:
            return decision
    remote = [r for r in txn.recipients if r.route == "remote"]
    received_bytes = content
    if txn.session.door == "submission":
        content = missing_message_id(content, txn.trace_id, ctx.config.hostname) + content
    trace = received(txn, ctx.config.hostname, ctx.clock())
    local = [r for r in txn.recipients if r.route == "local"]
    if local:
        await deliver_local(ctx, txn, content, trace, local, digest_of=received_bytes)
    if remote:
        assert ctx.outbound is not None
        envelope = OutboundEnvelope(
            txn.mail_from,
            tuple(OutboundRecipient(r.address, r.notify, r.orcpt) for r in remote),
            ret=txn.params.ret,
            envid=txn.params.envid,
            submitter=submitter_of(txn),
            smtputf8=txn.params.smtputf8,
            body=txn.params.body,
        )
        await ctx.outbound.enqueue(envelope, trace + content)
    if txn.session.door == "submission":
        await ctx.store.audit.record(
            submitter_of(txn),
            "mail.send",
            txn.mail_from,
            "accepted",
            {"trace": txn.trace_id, "local": len(local), "remote": len(remote), "size": len(content)},
        )
    log.info(
        "message accepted",
        extra={
            "session": txn.session.session_id,
            "trace": txn.trace_id,
            "door": txn.session.door,
            "local": len(local),
            "remote": len(remote),
            "size": len(content),
        },
    )
    return ACCEPT


async def _patient_may_send(ctx: DeliveryContext, txn: Transaction, content: bytes) -> Decision:
    headers = thread_headers(content)
    for r in txn.recipients:
        domain = r.address.rpartition("@")[2]
        replies, closed = (False, False)
        if txn.sender_mailbox_id is not None:
            replies, closed = await reply_facts(ctx.threads, txn.sender_mailbox_id, headers, r.address)
        facts = patient_sending.PatientSendingFacts(
            recipient_is_patient=r.patient or await ctx.domains.is_patient_domain(domain),
            recipient_is_pharmacy=await ctx.pharmacies.is_pharmacy(r.address),
            replies_to_recipient=replies,
            conversation_closed=closed,
        )
        decision = patient_sending.decide(facts)
        if not decision.accepted:
            log.info(
                "patient message refused",
                extra={"trace": txn.trace_id, "rcpt_domain": domain, "reply": f"{decision.code} {decision.enhanced}"},
            )
            return decision
    return ACCEPT
