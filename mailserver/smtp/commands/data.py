"""DATA (RFC 5321 §4.1.1.4): read the message, check it, hand it to delivery, answer after the commit.

Owns the sequence checks (a transaction with at least one accepted recipient, RFC 5321 §3.3: `554 5.5.1`), the
reply to each verdict of the data scanner (bare CR or LF `550 5.5.2`, long line `500 5.5.2`, too big
`552 5.3.4`, too many header fields `552 5.3.4`), and the final reply: `250` only once delivery says the
message is durable for every recipient (DESIGN.md §5). The transaction ends whatever the outcome.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from mailserver.smtp import replies

if TYPE_CHECKING:
    from mailserver.smtp.connection import SmtpConnection

log = logging.getLogger("caducee.smtp")

VERDICT_REPLIES = {
    "too-big": replies.DATA_TOO_BIG,
    "bare-line-ending": replies.BARE_LINE_ENDING,
    "line-too-long": replies.DATA_LINE_TOO_LONG,
    "too-many-fields": replies.TOO_MANY_HEADER_FIELDS,
}


async def run(conn: SmtpConnection, arg: str) -> None:
    state = conn.state
    if arg:
        await conn.reply(replies.NO_ARGUMENT_EXPECTED)
        return
    txn = state.txn
    if txn is None:
        await conn.reply(replies.NEED_MAIL)
        return
    if not txn.recipients:
        await conn.reply(replies.NO_VALID_RECIPIENTS)
        return
    await conn.reply(replies.START_DATA)
    result = await conn.read_data()
    state.txn = None
    if result.verdict != "ok":
        log.info(
            "message data refused",
            extra={"session": state.session_id, "trace": txn.trace_id, "verdict": result.verdict, "size": result.size},
        )
        await conn.reply(VERDICT_REPLIES[result.verdict])
        return
    decision = await conn.services.delivery.finish(txn, result.content)
    if decision.accepted:
        await conn.reply(replies.MESSAGE_ACCEPTED, trace=txn.trace_id)
    else:
        await conn.reply(replies.from_decision(decision))
