"""LOGIN (RFC 3501 §6.2.3): user name and password, only under TLS (LOGINDISABLED before).

Never sees the password beyond handing it to the authenticator (rate limits, audit trace).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.parser import Login
from mailserver.imap.replies import Reply
from mailserver.imap.sign_in import sign_in

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Login) -> Reply:
    if not session.channel.tls_active:
        return replies.LOGIN_DISABLED
    result = await session.services.authenticator.password(
        command.username, command.password, session.channel.peer_ip, "LOGIN"
    )
    return await sign_in(session, result)
