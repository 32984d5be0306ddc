"""The state of one SMTP connection: who the client said it is, TLS, authentication, the open transaction.

Owns `SessionState` and `Door` (what differs between the MX and submission). RFC 3207 §4.2: after STARTTLS the
client starts again from EHLO, so `restart_after_tls` forgets everything learned before it. Never reads or
writes the socket.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Literal

from cryptography import x509

from mailserver.auth.identity import Identity
from mailserver.delivery.envelope import PeerCertificate, SessionFacts, Submitter, Transaction

DoorName = Literal["mx", "submission"]


@dataclass(frozen=True)
class Door:
    """`name` is also the delivery door. Submission requires AUTH before MAIL; the MX refuses AUTH."""

    name: DoorName
    implicit_tls: bool = False

    @property
    def submission(self) -> bool:
        return self.name == "submission"


@dataclass
class SessionState:
    client_ip: str
    session_id: str = field(default_factory=lambda: secrets.token_hex(6))
    helo: str | None = None
    esmtp: bool = False
    tls: str | None = None  # "TLSv1.3 TLS_AES_256_GCM_SHA384" once TLS is up
    peer_chain: tuple[x509.Certificate, ...] = ()
    peer: PeerCertificate | None = None
    identity: Identity | None = None
    txn: Transaction | None = None
    transactions: int = 0
    rcpt_commands: int = 0  # RCPT commands in the open transaction, accepted or not
    errors: int = 0

    def restart_after_tls(self, tls: str, chain: tuple[x509.Certificate, ...]) -> None:
        """RFC 3207 §4.2: discard the knowledge obtained from the client before TLS."""
        self.helo, self.esmtp, self.identity, self.txn = None, False, None, None
        self.tls, self.peer_chain, self.peer = tls, chain, None

    def next_trace_id(self) -> str:
        self.transactions += 1
        return f"{self.session_id}.{self.transactions}"

    def facts(self, door: Door) -> SessionFacts:
        submitter = None
        if self.identity is not None:
            submitter = Submitter(
                self.identity.subject,
                self.identity.mechanism,
                tuple((m.address, m.type) for m in self.identity.mailboxes),
            )
        return SessionFacts(
            door=door.name,
            session_id=self.session_id,
            client_ip=self.client_ip,
            helo=self.helo or "",
            tls=self.tls,
            peer=self.peer,
            submitter=submitter,
        )
