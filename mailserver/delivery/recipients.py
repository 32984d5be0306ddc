"""The RCPT stage: where does this recipient's copy go, and is it allowed? (analyse, then act on the decision)

Owns gathering the recipient facts: whether the domain is ours (`LocalDomains`) or of the trust space (submission
only), then for a local address the mailbox and, for a patient domain, the patient's status; and asking the rules
in order: `relay`, then `patient_inbound` or `local_recipient`, then `size` for patients (25 MB, when SIZE was
announced). A patient's message to a patient domain is refused here already (`patient_sending`); its other
recipients are judged after DATA, when In-Reply-To and References are known. An accepted recipient is added to
the transaction (once). Never writes to a socket or the store.
"""

from __future__ import annotations

import logging

from mailserver.delivery.context import DeliveryContext
from mailserver.delivery.envelope import Recipient, Transaction
from mailserver.message.addresses import normalise_address
from policies import local_recipient, patient_inbound, patient_sending, relay, size
from policies.decision import ACCEPT, Decision

log = logging.getLogger("caducee.delivery")


async def add_recipient(
    ctx: DeliveryContext, txn: Transaction, address: str, notify: frozenset[str] | None, orcpt: str | None
) -> Decision:
    address = normalise_address(address)
    domain = address.rpartition("@")[2]
    if any(r.address == address for r in txn.recipients):
        return ACCEPT  # RFC 5321 §3.3: a duplicate RCPT is accepted once
    kind = await ctx.domains.kind(domain)
    trusted = txn.session.door == "submission" and kind is None and await ctx.trust.is_listed(domain)
    decision = relay.decide(
        relay.RelayFacts(txn.session.door, domain, kind is not None, trusted, ctx.outbound is not None)
    )
    if not decision.accepted:
        return _refused(decision, txn, address)
    if kind is None:
        if txn.sender_kind == "patient" and await ctx.domains.is_patient_domain(domain):
            return _refused(patient_sending.NO_PATIENT_TO_PATIENT, txn, address)
        txn.recipients.append(Recipient(address, "remote", notify, orcpt))
        return ACCEPT
    box = await ctx.mailboxes.get(address)
    if kind == "patient":
        patient = await ctx.store.accounts.get_patient(address.partition("@")[0].upper())
        status = patient.status if patient is not None and box is not None else "unknown"
        decision = patient_inbound.decide(
            patient_inbound.PatientRecipientFacts(txn.sender_kind, status)  # type: ignore[arg-type]
        )
        if decision.accepted:
            decision = size.decide(size.SizeFacts(ctx.config.max_message_size, txn.params.size, to_patient=True))
    else:
        decision = local_recipient.decide(
            local_recipient.LocalRecipientFacts(box is not None, box.status if box is not None else "")
        )
    if not decision.accepted:
        return _refused(decision, txn, address)
    assert box is not None
    txn.recipients.append(Recipient(address, "local", notify, orcpt, box.id, patient=kind == "patient"))
    return ACCEPT


def _refused(decision: Decision, txn: Transaction, address: str) -> Decision:
    log.info(
        "recipient refused",
        extra={
            "session": txn.session.session_id,
            "trace": txn.trace_id,
            "rcpt_domain": address.rpartition("@")[2],  # the local part of a patient address is an INS: never logged
            "reply": f"{decision.code} {decision.enhanced}",
            "detail": decision.log_detail,
        },
    )
    return decision
