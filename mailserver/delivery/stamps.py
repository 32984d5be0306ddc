"""What we add to a message we accept: one `Received:` line per transaction, `Return-Path:` at final delivery,
and a `Message-ID:` on submission when the client gave none.

Owns the protocol keyword of the Received line (RFC 3848: ESMTP, ESMTPS, ESMTPSA; RFC 6531 §3.7.3: UTF8SMTPS,
UTF8SMTPSA), the `for` clause only for a single recipient (several would disclose each other), and the generated
Message-ID (RFC 6409 §8.3). Everything else in the message, the X-MSS-* fields included, passes unchanged.
Never parses the body.
"""

from __future__ import annotations

from datetime import datetime

from mailserver.delivery.envelope import Transaction
from mailserver.message import received_header
from mailserver.message.rawheaders import first_values


def with_protocol(txn: Transaction) -> str:
    tls = txn.session.tls is not None
    authenticated = txn.session.submitter is not None
    base = "UTF8SMTP" if txn.params.smtputf8 else "ESMTP"  # RFC 6531 §3.7.3, RFC 3848 §1
    return base + ("S" if tls else "") + ("A" if authenticated else "")


def received(txn: Transaction, hostname: str, when: datetime) -> bytes:
    """RFC 5321 §4.4: the trace line this server prepends, once per transaction."""
    single = txn.recipients[0].address if len(txn.recipients) == 1 else None
    return received_header(
        from_host=txn.session.helo,
        from_ip=txn.session.client_ip,
        by_host=hostname,
        with_protocol=with_protocol(txn),
        id=txn.trace_id,
        for_addr=single,
        tls_info=txn.session.tls,
        when=when,
    )


def return_path(mail_from: str) -> bytes:
    """RFC 5321 §4.4: the final delivery records the reverse path (`<>` for a DSN)."""
    return f"Return-Path: <{mail_from}>\r\n".encode()


def missing_message_id(content: bytes, trace_id: str, hostname: str) -> bytes:
    """A `Message-ID:` line to prepend when the submitted message has none (RFC 6409 §8.3), else b""."""
    if b"message-id" in first_values(content, frozenset({b"message-id"})):
        return b""
    return f"Message-ID: <{trace_id}@{hostname}>\r\n".encode()
