"""Delivery status notifications: RFC 3464 `multipart/report; report-type=delivery-status` messages.

Owns the bytes of a DSN: the human-readable part, the `message/delivery-status` part (per-message fields, then one
block per recipient with Action/Status/Diagnostic-Code, ORCPT and ENVID echoed as RFC 3461 §6 asks) and the
returned content (the whole message for RET=FULL failures, otherwise the header section only, RFC 3461 §4.3).
Pure: the caller gives the clock reading and the reporting host. Never routes or sends a DSN (see `outbox`), and
never lets a value from the network break a header line (CR, LF and controls are replaced).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Literal

from mailserver.message.rawheaders import split_message

Action = Literal["failed", "delayed", "delivered", "relayed", "expanded"]  # RFC 3464 §2.3.3
_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]+")
_SUBJECTS = {
    "failed": "Echec de remise / Delivery Status Notification (Failure)",
    "delayed": "Remise retardee / Delivery Status Notification (Delay)",
    "delivered": "Remis / Delivery Status Notification (Success)",
    "relayed": "Relaye / Delivery Status Notification (Relayed)",
    "expanded": "Delivery Status Notification (Expanded)",
}
_EXPLAIN = {
    "failed": "could not be delivered to these recipients; this is a permanent error.",
    "delayed": "has not been delivered yet; delivery will be retried until the date below.",
    "delivered": "has been delivered to these recipients' mailboxes.",
    "relayed": "has been relayed to the recipients' operator, which does not return delivery notifications.",
    "expanded": "has been delivered to a list, which expanded it.",
}


@dataclass(frozen=True)
class RecipientOutcome:
    """What happened to one recipient (RFC 3464 §2.3)."""

    recipient: str
    action: Action
    status: str  # RFC 3463 enhanced code, e.g. "5.1.1"
    orcpt: str | None = None  # "rfc822;bob@b.test" as given with ORCPT
    diagnostic: str | None = None  # the remote reply, e.g. "550 5.1.1 no such user"
    remote_mta: str | None = None
    last_attempt: datetime | None = None
    will_retry_until: datetime | None = None


@dataclass(frozen=True)
class DsnReport:
    """One DSN: to `sender` (the original reverse path), about `recipients` of the message `original`."""

    reporting_mta: str  # our host name
    sender: str
    recipients: tuple[RecipientOutcome, ...]
    original: bytes
    arrival: datetime | None = None
    envid: str | None = None
    ret: str | None = None  # "FULL" | "HDRS" | None


def status_of(reply: str | None, default: str) -> str:
    """The enhanced status code in a reply text, if it has one of the right class, else `default`."""
    if reply:
        match = _STATUS.search(reply)
        if match and match.group(1)[0] == default[0]:
            return match.group(1)
    return default


def build_dsn(report: DsnReport, now: datetime, *, message_id: str | None = None, boundary: str | None = None) -> bytes:
    """The DSN message, CRLF line endings, ready to deliver or queue with a null reverse path."""
    if not report.recipients:
        raise ValueError("a DSN reports on at least one recipient")
    host = _clean(report.reporting_mta)
    boundary = boundary or f"=_dsn_{secrets.token_hex(12)}"
    message_id = message_id or f"<dsn.{secrets.token_hex(12)}@{host}>"
    actions = {r.action for r in report.recipients}
    main = next(a for a in ("failed", "delayed", "relayed", "delivered", "expanded") if a in actions)
    full = report.ret == "FULL" and main == "failed"  # RFC 3461 §4.3: RET governs failure DSNs
    lines = [
        f"From: Mail Delivery System <MAILER-DAEMON@{host}>",
        f"To: <{_clean(report.sender)}>",
        f"Subject: {_SUBJECTS[main]}",
        f"Date: {format_datetime(now)}",
        f"Message-ID: {message_id}",
        "Auto-Submitted: auto-replied",  # RFC 3834 §5
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        "This is a MIME-encapsulated delivery status notification (RFC 3464).",
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        *_human_text(report, host),
        "",
        f"--{boundary}",
        "Content-Type: message/delivery-status",
        "",
        *_status_fields(report, host),
        f"--{boundary}",
    ]
    head = "\r\n".join(lines).encode("utf-8") + b"\r\n"
    returned = report.original if full else split_message(report.original)[0]
    content_type = "message/rfc822" if full else "text/rfc822-headers"
    encoding = "8bit" if any(b > 127 for b in returned) else "7bit"
    part = f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n".encode()
    if not returned.endswith(b"\r\n"):
        returned += b"\r\n"
    return head + part + returned + f"\r\n--{boundary}--\r\n".encode()


def _human_text(report: DsnReport, host: str) -> list[str]:
    out = [f"This is the mail system at {host}.", ""]
    for action in ("failed", "delayed", "relayed", "delivered", "expanded"):
        group = [r for r in report.recipients if r.action == action]
        if not group:
            continue
        out.append(f"Your message {_EXPLAIN[action]}")
        for r in group:
            why = f": {_clean(r.diagnostic)}" if r.diagnostic and action in ("failed", "delayed") else ""
            out.append(f"  <{_clean(r.recipient)}>{why}")
            if r.will_retry_until is not None and action == "delayed":
                out.append(f"  (retrying until {format_datetime(r.will_retry_until)})")
        out.append("")
    return out


def _status_fields(report: DsnReport, host: str) -> list[str]:
    out = []
    if report.envid:
        out.append(f"Original-Envelope-Id: {_clean(report.envid)}")  # RFC 3464 §2.2.1
    out.append(f"Reporting-MTA: dns; {host}")
    if report.arrival is not None:
        out.append(f"Arrival-Date: {format_datetime(report.arrival)}")
    out.append("")
    for r in report.recipients:
        if r.orcpt:
            out.append(f"Original-Recipient: {_address_field(r.orcpt)}")  # RFC 3464 §2.3.1
        out.append(f"Final-Recipient: rfc822; {_clean(r.recipient)}")
        out.append(f"Action: {r.action}")
        out.append(f"Status: {r.status}")
        if r.remote_mta:
            out.append(f"Remote-MTA: dns; {_clean(r.remote_mta)}")
        if r.diagnostic:
            out.append(f"Diagnostic-Code: smtp; {_clean(r.diagnostic)}")
        if r.last_attempt is not None:
            out.append(f"Last-Attempt-Date: {format_datetime(r.last_attempt)}")
        if r.will_retry_until is not None and r.action == "delayed":
            out.append(f"Will-Retry-Until: {format_datetime(r.will_retry_until)}")
        out.append("")
    return out


def _address_field(orcpt: str) -> str:
    addr_type, sep, address = orcpt.partition(";")
    if not sep:
        return f"rfc822; {_clean(orcpt)}"
    return f"{_clean(addr_type.strip())}; {_clean(address.strip())}"


def _clean(value: str) -> str:
    """One header line's worth of text: controls (CR, LF, NUL...) become a space, length bounded."""
    return _UNSAFE.sub(" ", value).strip()[:900]


def summary_line(outcomes: Sequence[RecipientOutcome]) -> str:
    """For logs: "failed:2 delivered:1"."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.action] = counts.get(o.action, 0) + 1
    return " ".join(f"{k}:{v}" for k, v in sorted(counts.items()))
