"""MAIL FROM (RFC 5321 §4.1.1.2): opens a transaction once delivery accepts the reverse path.

Owns the session checks (EHLO first; on submission AUTH first, RFC 4954 §4 / RFC 6409 §4.3; no nested MAIL),
parsing (`syntax.parse_mail`: SIZE, BODY, SMTPUTF8, RET, ENVID) and handing the facts to delivery, which asks
the rules (peer certificate and trust space on the MX, send-as on submission, size).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.message.addresses import normalise_address
from mailserver.smtp import replies
from mailserver.smtp.syntax import CommandError, parse_mail

if TYPE_CHECKING:
    from mailserver.smtp.connection import SmtpConnection


async def run(conn: SmtpConnection, arg: str) -> None:
    state = conn.state
    if not state.helo:
        await conn.reply(replies.NEED_HELO)
        return
    if conn.door.submission and state.identity is None:
        await conn.reply(replies.AUTH_REQUIRED)
        return
    if state.txn is not None:
        await conn.reply(replies.NESTED_MAIL)
        return
    try:
        request = parse_mail(arg, esmtp=state.esmtp)
    except CommandError as exc:
        await conn.reply(exc.reply)
        return
    mail_from = normalise_address(request.address) if request.address else ""
    decision, txn = await conn.services.delivery.open(
        state.facts(conn.door), mail_from, request.params, state.next_trace_id()
    )
    if txn is None:
        await conn.reply(replies.from_decision(decision))
        return
    state.txn, state.rcpt_commands = txn, 0
    await conn.reply(replies.SENDER_OK)
