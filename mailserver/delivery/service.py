"""The delivery service the protocol doors call: one method per SMTP stage, each analysing then deciding.

Owns the facade over the stages (`senders`, `recipients`, `finish`): SMTP submission, the MX and the webmail
(which submits through this service, never over SMTP to itself) call the same code. Every method returns a
`policies.decision.Decision`; the caller turns it into its protocol's reply. Never writes to a socket.
"""

from __future__ import annotations

from mailserver.delivery import finish, recipients, senders
from mailserver.delivery.context import DeliveryContext
from mailserver.delivery.envelope import MailParams, SessionFacts, Transaction
from policies.decision import Decision


class DeliveryService:
    def __init__(self, context: DeliveryContext) -> None:
        self.context = context

    async def open(
        self, session: SessionFacts, mail_from: str, params: MailParams, trace_id: str
    ) -> tuple[Decision, Transaction | None]:
        """MAIL FROM: the decision, and the transaction when accepted."""
        if session.door == "mx":
            return await senders.mx_sender(self.context, session, mail_from, params, trace_id)
        return await senders.submission_sender(self.context, session, mail_from, params, trace_id)

    async def recipient(
        self, txn: Transaction, address: str, notify: frozenset[str] | None = None, orcpt: str | None = None
    ) -> Decision:
        """RCPT TO: the decision; an accepted recipient is added to `txn`."""
        return await recipients.add_recipient(self.context, txn, address, notify, orcpt)

    async def finish(self, txn: Transaction, content: bytes) -> Decision:
        """End of DATA: accepted only once the message is durable for every recipient."""
        return await finish.finish(self.context, txn, content)
