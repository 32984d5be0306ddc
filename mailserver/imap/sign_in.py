"""Turning the authenticator's answer into a logged-in session, for LOGIN and every AUTHENTICATE mechanism.

Owns the replies of authentication (RFC 5530: AUTHENTICATIONFAILED for bad credentials and lockouts alike, so an
attacker learns nothing; UNAVAILABLE when the failure is temporary; AUTHORIZATIONFAILED when the client asks for a
mailbox the identity may not use) and the choice of the personal mailbox: one of the identity's own mailboxes (the
one asked for by the SASL authzid or the OAuth user, else the first). A delegated ORG/CAB mailbox is never made
the personal namespace, where it would carry every right: it stays under "Shared/" with the delegation's rights.
Never checks a credential itself (`mailserver.auth` does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.auth.identity import AuthFailure, AuthResult, Identity
from mailserver.imap import replies
from mailserver.imap.replies import Reply
from mailserver.store.records import Mailbox

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def sign_in(session: Session, result: AuthResult, requested: str = "") -> Reply:
    if isinstance(result, AuthFailure):
        session.services.log.info(
            "authentication failed", extra={"trace": session.trace, "temporary": result.temporary}
        )
        return replies.AUTH_UNAVAILABLE if result.temporary else replies.AUTH_FAILED
    own = [box for box in result.mailboxes if _is_own(result, box)]
    wanted = result.mailbox(requested) if requested else None
    if requested and wanted is None:
        return replies.AUTHZ_FAILED
    mailbox = wanted if wanted in own else (own[0] if own else None)
    if mailbox is None:
        return replies.AUTHZ_FAILED
    return await session.log_in(result, mailbox)


def _is_own(identity: Identity, box: Mailbox) -> bool:
    """The identity's own mailbox, as opposed to one delegated to it."""
    if identity.mechanism == "EXTERNAL":
        return True  # the certificate names the APP/ORG mailbox itself
    if identity.national_id is not None:
        return box.national_id == identity.national_id
    return box.address == identity.subject.lower()
