"""RSET, NOOP, QUIT, HELP, VRFY and EXPN (RFC 5321 §4.1.1.5 to §4.1.1.10).

VRFY never tells whether a mailbox exists (`252`, RFC 5321 §3.5.3) and EXPN is not offered: both would let anyone
enumerate professionals' and patients' addresses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.smtp import replies

if TYPE_CHECKING:
    from mailserver.smtp.connection import SmtpConnection


async def rset(conn: SmtpConnection, arg: str) -> None:
    if arg:
        await conn.reply(replies.NO_ARGUMENT_EXPECTED)
        return
    conn.state.txn = None
    await conn.reply(replies.RESET)


async def noop(conn: SmtpConnection, arg: str) -> None:
    await conn.reply(replies.OK)  # RFC 5321 §4.1.1.9: the argument is ignored


async def quit(conn: SmtpConnection, arg: str) -> None:
    await conn.reply(replies.BYE)
    conn.close()


async def help(conn: SmtpConnection, arg: str) -> None:
    await conn.reply(replies.HELP)


async def vrfy(conn: SmtpConnection, arg: str) -> None:
    await conn.reply(replies.VRFY_NOT_DISCLOSED)


async def expn(conn: SmtpConnection, arg: str) -> None:
    await conn.reply(replies.EXPN_DISABLED)
