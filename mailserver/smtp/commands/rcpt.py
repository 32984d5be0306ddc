"""RCPT TO (RFC 5321 §4.1.1.3): one recipient, accepted or refused on its own.

Owns the sequence check (MAIL first), the recipient bound (`452 4.5.3` beyond `smtp.max_recipients` RCPT commands
in a transaction, RFC 5321 §4.5.3.1.10: the client sends the rest in another transaction), parsing (NOTIFY,
ORCPT) and handing the recipient to delivery (relay, mailbox, patient rules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.smtp import replies
from mailserver.smtp.syntax import CommandError, parse_rcpt

if TYPE_CHECKING:
    from mailserver.smtp.connection import SmtpConnection


async def run(conn: SmtpConnection, arg: str) -> None:
    state = conn.state
    txn = state.txn
    if txn is None:
        await conn.reply(replies.NEED_MAIL)
        return
    state.rcpt_commands += 1
    if state.rcpt_commands > conn.services.limits.max_recipients:
        await conn.reply(replies.TOO_MANY_RECIPIENTS)
        return
    try:
        request = parse_rcpt(arg, esmtp=state.esmtp, smtputf8=txn.params.smtputf8)
    except CommandError as exc:
        await conn.reply(exc.reply)
        return
    decision = await conn.services.delivery.recipient(txn, request.address, request.notify, request.orcpt)
    await conn.reply(replies.RECIPIENT_OK if decision.accepted else replies.from_decision(decision))
