"""The facts of one SMTP transaction as delivery sees them, filled by the protocol layer and by delivery.

Owns the plain types that cross from `smtp` (or webmail) to `delivery`: the session (door, client, TLS, the peer's
certificate on the MX or the authenticated submitter), the MAIL parameters (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531
SMTPUTF8, RFC 3461 RET and ENVID), and the recipients accepted so far with their route and DSN parameters
(RFC 3461 NOTIFY and ORCPT). Never performs I/O and never decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Door = Literal["mx", "submission"]
Route = Literal["local", "remote"]
SenderKind = Literal["professional", "patient", "unknown"]


@dataclass(frozen=True)
class PeerCertificate:
    """The MX peer's client certificate as classified (`policies.peer_certificate` status names)."""

    status: str
    subject_dn: str = ""
    dn_key: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Submitter:
    """An authenticated client: who proved itself, how, and its mailboxes as (address, type) pairs."""

    subject: str
    mechanism: str
    mailboxes: tuple[tuple[str, str], ...]

    @property
    def addresses(self) -> frozenset[str]:
        return frozenset(a for a, _ in self.mailboxes)

    def type_of(self, address: str) -> str | None:
        return next((t for a, t in self.mailboxes if a == address), None)


@dataclass(frozen=True)
class SessionFacts:
    door: Door
    session_id: str
    client_ip: str
    helo: str
    tls: str | None  # "TLSv1.3 TLS_AES_256_GCM_SHA384"; None before STARTTLS
    peer: PeerCertificate | None = None  # MX
    submitter: Submitter | None = None  # submission, once authenticated


@dataclass(frozen=True)
class MailParams:
    size: int | None = None  # RFC 1870 SIZE, as announced
    body: str = "7BIT"  # RFC 6152: 7BIT | 8BITMIME
    smtputf8: bool = False  # RFC 6531
    ret: str | None = None  # RFC 3461 §4.3: FULL | HDRS
    envid: str | None = None  # RFC 3461 §4.4, decoded from xtext


@dataclass(frozen=True)
class Recipient:
    """An accepted recipient. `mailbox_id` is set for local ones; `patient` tells the patient rules apply."""

    address: str
    route: Route
    notify: frozenset[str] | None = None  # RFC 3461 §4.1; None when not given
    orcpt: str | None = None  # RFC 3461 §4.2, "rfc822;addr", decoded
    mailbox_id: int | None = None
    patient: bool = False


@dataclass
class Transaction:
    """One MAIL ... DATA transaction. `mail_from` is normalised, "" for the null reverse path."""

    session: SessionFacts
    trace_id: str
    mail_from: str
    params: MailParams
    sender_kind: SenderKind
    sender_mailbox_id: int | None = None  # submission: the local mailbox that sends
    recipients: list[Recipient] = field(default_factory=list)

    @property
    def to_patient(self) -> bool:
        return any(r.patient for r in self.recipients)
