"""The MAIL stage: may this session use this reverse path? (analyse, then the caller acts on the decision)

Owns gathering the sender facts of each door and asking the rules. On the MX: the peer certificate
(`policies.peer_certificate`), then the trust space for the MAIL FROM domain (`policies.trust_space`), then the
announced size. On submission: the authenticated identity may send as that address (`policies.send_as`), then
size. Returns the decision and, when accepted, the new `Transaction`. Never writes to a socket or the store.
"""

from __future__ import annotations

import logging

from mailserver.delivery.context import DeliveryContext
from mailserver.delivery.envelope import MailParams, SenderKind, SessionFacts, Transaction
from policies import peer_certificate, send_as, size, trust_space
from policies.decision import Decision

log = logging.getLogger("caducee.delivery")


def _domain(address: str) -> str | None:
    """The domain of a reverse path; None for the null reverse path."""
    _, at, domain = address.rpartition("@")
    return domain if at and domain else None


async def mx_sender(
    ctx: DeliveryContext, session: SessionFacts, mail_from: str, params: MailParams, trace_id: str
) -> tuple[Decision, Transaction | None]:
    peer = session.peer
    status = peer.status if peer is not None else "absent"
    decision = peer_certificate.decide(
        peer_certificate.PeerCertificateFacts(status, peer.detail if peer else "")  # type: ignore[arg-type]
    )
    if not decision.accepted:
        return _refused(decision, session, mail_from), None
    assert peer is not None
    domain = _domain(mail_from)
    if domain is None:
        listed, matches = False, await ctx.trust.knows_dn(peer.dn_key)
    else:
        keys = await ctx.trust.dn_keys(domain)
        listed, matches = bool(keys), peer.dn_key in keys
    decision = trust_space.decide(trust_space.TrustSpaceFacts(domain, listed, matches, peer.subject_dn))
    if not decision.accepted:
        return _refused(decision, session, mail_from), None
    decision = size.decide(size.SizeFacts(ctx.config.max_message_size, params.size))
    if not decision.accepted:
        return decision, None
    kind: SenderKind = "professional"
    if domain is not None and await ctx.domains.is_patient_domain(domain):
        kind = "patient"
    return decision, Transaction(session, trace_id, mail_from, params, kind)


async def submission_sender(
    ctx: DeliveryContext, session: SessionFacts, mail_from: str, params: MailParams, trace_id: str
) -> tuple[Decision, Transaction | None]:
    submitter = session.submitter
    assert submitter is not None, "the protocol layer authenticates before MAIL"
    decision = send_as.decide(send_as.SendAsFacts(mail_from, submitter.addresses, submitter.subject))
    if not decision.accepted:
        return _refused(decision, session, mail_from), None
    decision = size.decide(size.SizeFacts(ctx.config.max_message_size, params.size))
    if not decision.accepted:
        return decision, None
    box = await ctx.store.accounts.get_mailbox(mail_from)
    kind: SenderKind = "patient" if submitter.type_of(mail_from) == "PAT" else "professional"
    txn = Transaction(session, trace_id, mail_from, params, kind, box.id if box is not None else None)
    return decision, txn


def _refused(decision: Decision, session: SessionFacts, mail_from: str) -> Decision:
    log.info(
        "sender refused",
        extra={
            "session": session.session_id,
            "door": session.door,
            "client": session.client_ip,
            "mail_from_domain": _domain(mail_from) or "",  # a patient's local part is an INS: never logged
            "reply": f"{decision.code} {decision.enhanced}",
            "detail": decision.log_detail,
        },
    )
    return decision
