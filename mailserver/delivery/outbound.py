"""The seam between delivery and the outbound queue: what delivery hands over for recipients of other operators.

Owns `OutboundEnvelope` (an SMTP envelope with its RFC 3461 DSN parameters) and the two Protocols delivery
calls: `OutboundQueue.enqueue` (remote recipients) and `DeliveryReports.delivered` (success DSNs for local
recipients that asked NOTIFY=SUCCESS). It never sends, stores or decides anything.

Note for part A (delivery) from part B (queue), written by part B because the queue needed it first:
- `mailserver.delivery` and `mailserver.queue` are independent siblings in the layers (import-linter), so neither
  imports the other. The queue's `mailserver.queue.outbox.Outbox` satisfies both Protocols structurally; the
  runtime builds it before listeners start: `rt.queue.outbox` (`Runtime.queue` is a `QueueService`, None only in
  tests). Pass it as both `DeliveryContext.outbound` and `DeliveryContext.reports`.
- `enqueue` returns only after the queue rows have committed (so the submitting client may get `250`). It raises
  `mailserver.errors.StoreUnavailable` on a database failure: answer `451 4.3.0`.
- Recipients: give `OutboundRecipient.notify` exactly as parsed from RCPT (`frozenset({"SUCCESS", "DELAY"})`,
  `frozenset({"NEVER"})`), or `None` when the client gave no NOTIFY (RFC 3461 §4.1 default: FAILURE and DELAY).
  `orcpt` is the ORCPT value decoded from xtext, as "rfc822;bob@b.test" (RFC 3461 §4.2); None when absent.
- `ret` is "FULL", "HDRS" or None; `envid` the ENVID decoded from xtext, or None.
- Call `DeliveryReports.delivered(envelope, raw)` after the local commit, with an envelope holding only the
  local recipients that asked NOTIFY=SUCCESS; it sends the RFC 3464 "delivered" DSN to `mail_from` (nothing
  when `mail_from` is empty: never a DSN about a DSN).
If you need another field, add it with a default here and tell part B in this docstring.
- Part A added `smtputf8` (RFC 6531: the client used SMTPUTF8; the next hop must offer it, else the recipient
  fails with a DSN, RFC 6531 §3.2) and `body` ("7BIT" or "8BITMIME", RFC 6152: pass BODY=8BITMIME on to the next
  hop). Delivery fills both from the MAIL parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

NOTIFY_VALUES = frozenset({"NEVER", "SUCCESS", "FAILURE", "DELAY"})  # RFC 3461 §4.1


@dataclass(frozen=True)
class OutboundRecipient:
    """One RCPT with its DSN parameters (RFC 3461 §4.1 NOTIFY, §4.2 ORCPT)."""

    address: str
    notify: frozenset[str] | None = None
    orcpt: str | None = None


@dataclass(frozen=True)
class OutboundEnvelope:
    """A message's envelope as accepted: reverse path ("" for a DSN), recipients, RET, ENVID, who submitted it."""

    mail_from: str
    recipients: tuple[OutboundRecipient, ...]
    ret: str | None = None  # RFC 3461 §4.3: "FULL" or "HDRS"
    envid: str | None = None  # RFC 3461 §4.4
    submitter: str = ""  # authenticated identity (mailbox address or certificate DN), for the audit trail
    smtputf8: bool = False  # RFC 6531: the message needs SMTPUTF8 at the next hop
    body: str = "7BIT"  # RFC 6152: 7BIT | 8BITMIME


class OutboundQueue(Protocol):
    async def enqueue(self, envelope: OutboundEnvelope, raw: bytes) -> None:
        """Store the message for its (remote) recipients durably; returns after the commit."""


class DeliveryReports(Protocol):
    async def delivered(self, envelope: OutboundEnvelope, raw: bytes, recipients: Sequence[str] = ()) -> None:
        """Send the success DSN (RFC 3464 Action: delivered) for the envelope's recipients to `mail_from`.
        `recipients` optionally narrows the envelope's recipients (addresses)."""
