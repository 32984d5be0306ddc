"""Who a client is once authenticated, and why an authentication failed.

Owns `Identity` (the subject that proved itself, the mechanism, and the mailboxes it may use: its own and the
ORG/CAB mailboxes delegated to it) and `AuthFailure` (a reason for logs, and whether the failure is temporary).
Protocols turn a failure into their own reply (`535 5.7.8`, `NO [AUTHENTICATIONFAILED]`); the reason never
reaches the client. Never touches a socket or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mailserver.store.records import PROFESSIONAL_TYPES, Mailbox

Mechanism = Literal["PLAIN", "LOGIN", "EXTERNAL", "XOAUTH2", "OAUTHBEARER"]


@dataclass(frozen=True)
class Identity:
    """`subject`: the login address, the national id of a token (8+RPPS), or a certificate subject DN."""

    subject: str
    mechanism: Mechanism
    mailboxes: tuple[Mailbox, ...]
    national_id: str | None = None

    @property
    def addresses(self) -> frozenset[str]:
        """The addresses this identity may open and send as (lower-case)."""
        return frozenset(m.address for m in self.mailboxes)

    def mailbox(self, address: str) -> Mailbox | None:
        wanted = address.strip().lower()
        return next((m for m in self.mailboxes if m.address == wanted), None)

    @property
    def is_patient(self) -> bool:
        return any(m.type == "PAT" for m in self.mailboxes) and not any(
            m.type in PROFESSIONAL_TYPES for m in self.mailboxes
        )


@dataclass(frozen=True)
class AuthFailure:
    """`reason` is for logs and the audit trail only. `temporary`: the client may retry (e.g. the JWKS is
    unreachable); protocols answer a temporary failure (`454 4.7.0`)."""

    reason: str
    temporary: bool = False
    locked: bool = False  # the account or the client address is locked out (answered like a bad password)


AuthResult = Identity | AuthFailure
