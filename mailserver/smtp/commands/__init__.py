"""The SMTP commands, one module per command or small family, and the closed table the loop dispatches on.

Each command is `async def run(conn, arg)`: it checks the session state, parses its argument (`syntax`), asks
`delivery` or `auth` when there is something to decide, and answers with a named reply. Commands that need TLS
on every door (mail transactions, VRFY, EXPN) are refused with `530 5.7.0` before it (RFC 3207 §4).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from mailserver.smtp import replies
from mailserver.smtp.commands import auth, basic, data, greeting, mail, rcpt, starttls

if TYPE_CHECKING:
    from mailserver.smtp.connection import SmtpConnection

Command = Callable[["SmtpConnection", str], Awaitable[None]]

NEEDS_TLS = frozenset({"MAIL", "RCPT", "DATA", "VRFY", "EXPN"})


def _tls_first(command: Command) -> Command:
    async def run(conn: SmtpConnection, arg: str) -> None:
        if not conn.tls_active:
            await conn.reply(replies.TLS_REQUIRED)  # RFC 3207 §4
            return
        await command(conn, arg)

    return run


_TABLE: dict[str, Command] = {
    "EHLO": greeting.ehlo,
    "HELO": greeting.helo,
    "STARTTLS": starttls.run,
    "AUTH": auth.run,
    "MAIL": mail.run,
    "RCPT": rcpt.run,
    "DATA": data.run,
    "RSET": basic.rset,
    "NOOP": basic.noop,
    "QUIT": basic.quit,
    "HELP": basic.help,
    "VRFY": basic.vrfy,
    "EXPN": basic.expn,
}

COMMANDS: dict[str, Command] = {verb: _tls_first(c) if verb in NEEDS_TLS else c for verb, c in _TABLE.items()}
