"""DSN messages (RFC 3464) as a mail client parses them: report type, per-recipient fields, RET, ENVID, ORCPT."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta

from mailserver.queue.dsn import DsnReport, RecipientOutcome, build_dsn, status_of

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ORIGINAL = (
    b"From: Dr A <dr.a@a.test>\r\nTo: bob@b.test\r\nSubject: compte rendu\r\nMessage-ID: <m1@a.test>\r\n\r\n"
    b"Corps du message confidentiel\r\n"
)


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _report(action: str, *, ret: str | None = None, orcpt: str | None = None, envid: str | None = None) -> bytes:
    outcome = RecipientOutcome(
        "bob@b.test",
        action,  # type: ignore[arg-type]
        "5.1.1" if action == "failed" else "2.0.0",
        orcpt=orcpt,
        diagnostic="550 5.1.1 no such user" if action == "failed" else None,
        remote_mta="mx.b.test",
        last_attempt=NOW,
        will_retry_until=NOW + timedelta(days=5) if action == "delayed" else None,
    )
    return build_dsn(DsnReport("mail.a.test", "dr.a@a.test", (outcome,), ORIGINAL, NOW, envid, ret), NOW)


def test_dsn_is_a_multipart_report_of_type_delivery_status_addressed_to_the_sender() -> None:
    msg = _parse(_report("failed"))
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "delivery-status"
    assert msg["To"].addresses[0].addr_spec == "dr.a@a.test"
    assert msg["Auto-Submitted"] == "auto-replied"
    kinds = [part.get_content_type() for part in msg.iter_parts()]
    assert kinds == ["text/plain", "message/delivery-status", "text/rfc822-headers"]


def test_failure_dsn_states_action_status_and_diagnostic_of_the_recipient() -> None:
    raw = _report("failed")
    assert b"Reporting-MTA: dns; mail.a.test\r\n" in raw
    assert b"Final-Recipient: rfc822; bob@b.test\r\nAction: failed\r\nStatus: 5.1.1\r\n" in raw
    assert b"Remote-MTA: dns; mx.b.test\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n" in raw


def test_ret_full_returns_the_whole_message_on_failure() -> None:
    msg = _parse(_report("failed", ret="FULL"))
    returned = list(msg.iter_parts())[2]
    assert returned.get_content_type() == "message/rfc822"
    assert b"Corps du message confidentiel" in _report("failed", ret="FULL")


def test_ret_hdrs_and_non_failure_dsns_return_headers_only() -> None:
    for raw in (_report("failed", ret="HDRS"), _report("delivered", ret="FULL"), _report("failed")):
        assert b"Subject: compte rendu" in raw
        assert b"Corps du message confidentiel" not in raw


def test_envid_and_orcpt_are_echoed() -> None:
    raw = _report("delivered", orcpt="rfc822;Bob@B.test", envid="env-42")
    assert b"Original-Envelope-Id: env-42\r\n" in raw
    assert b"Original-Recipient: rfc822; Bob@B.test\r\nFinal-Recipient: rfc822; bob@b.test\r\n" in raw


def test_delay_dsn_says_until_when_delivery_is_retried() -> None:
    raw = _report("delayed")
    assert b"Action: delayed\r\n" in raw
    assert b"Will-Retry-Until: " in raw


def test_a_reply_text_from_the_network_cannot_inject_header_lines() -> None:
    outcome = RecipientOutcome("bob@b.test", "failed", "5.0.0", diagnostic="550 bad\r\nX-Injected: yes")
    raw = build_dsn(DsnReport("mail.a.test", "dr.a@a.test", (outcome,), ORIGINAL), NOW)
    assert b"\r\nX-Injected" not in raw


def test_status_comes_from_the_reply_when_its_class_matches() -> None:
    assert status_of("550 5.7.1 relaying denied", "5.0.0") == "5.7.1"
    assert status_of("550 no code here", "5.0.0") == "5.0.0"
    assert status_of("450 4.2.0 busy", "5.0.0") == "5.0.0"
