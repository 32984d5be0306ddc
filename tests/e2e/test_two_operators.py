"""Two operators on 127.0.0.1 exchange mail over mutual TLS: A's user submits to B's user, the message is stored
at B; with B down it waits in A's queue and arrives when B returns; DSNs come back as NOTIFY asked."""

from __future__ import annotations

import smtplib
import uuid

from tests.e2e.conftest import PASSWORD, Operators, client_tls, has, wait_for


def _submit(ops: Operators, to: str, subject: str, *, notify: str | None = None, envid: str | None = None) -> None:
    body = (
        f"From: <dr.a@a.test>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@a.test>\r\n\r\nCompte rendu de consultation.\r\n"
    )
    with smtplib.SMTP("127.0.0.1", ops.a.submission, timeout=30) as smtp:
        smtp.starttls(context=client_tls(ops.a))
        smtp.login("dr.a@a.test", PASSWORD)  # AUTH PLAIN
        mail_options = [f"ENVID={envid}", "RET=HDRS"] if envid else []
        rcpt_options = [f"NOTIFY={notify}", f"ORCPT=rfc822;{to}"] if notify else []
        refused = smtp.sendmail("dr.a@a.test", [to], body.encode(), mail_options, rcpt_options)
        assert refused == {}


def test_a_user_of_a_submits_and_the_message_is_stored_at_b(operators: Operators) -> None:
    subject = f"direct {uuid.uuid4().hex[:8]}"
    _submit(operators, "dr.b@b.test", subject)
    wait_for(lambda: has(operators.b, "dr.b@b.test", subject.encode()), what="the message at B")


def test_with_b_down_the_message_waits_in_a_queue_and_arrives_when_b_returns(operators: Operators) -> None:
    a, b = operators.a, operators.b
    b.stop()
    subject = f"queued {uuid.uuid4().hex[:8]}"
    try:
        _submit(operators, "dr.b@b.test", subject, notify="FAILURE")
        wait_for(lambda: "dr.b@b.test" in a.cli("queue", "list").stdout, what="the recipient in A's queue")
    finally:
        b.start()
    a.cli("queue", "retry", "--all")
    wait_for(lambda: has(b, "dr.b@b.test", subject.encode()), what="the queued message at B")
    wait_for(lambda: "the queue is empty" in a.cli("queue", "list").stdout, what="A's queue to empty")


def test_success_dsn_comes_back_from_b_when_notify_success(operators: Operators) -> None:
    envid = f"ok-{uuid.uuid4().hex[:8]}"
    _submit(operators, "dr.b@b.test", "success dsn", notify="SUCCESS", envid=envid)
    wait_for(
        lambda: has(operators.a, "dr.a@a.test", b"Action: delivered", envid.encode()),
        what="the success DSN at A",
    )


def test_failure_dsn_comes_back_for_an_unknown_recipient_at_b(operators: Operators) -> None:
    envid = f"ko-{uuid.uuid4().hex[:8]}"
    _submit(operators, "nobody@b.test", "failure dsn", notify="FAILURE", envid=envid)
    wait_for(
        lambda: has(operators.a, "dr.a@a.test", b"Action: failed", b"Status: 5.", envid.encode()),
        what="the failure DSN at A",
    )


def test_delay_dsn_comes_back_while_b_is_down_and_the_message_still_arrives(operators: Operators) -> None:
    a, b = operators.a, operators.b
    envid = f"late-{uuid.uuid4().hex[:8]}"
    subject = f"delayed {envid}"
    b.stop()
    try:
        _submit(operators, "dr.b@b.test", subject, notify="DELAY", envid=envid)
        wait_for(lambda: has(a, "dr.a@a.test", b"Action: delayed", envid.encode()), what="the delay DSN at A")
    finally:
        b.start()
    a.cli("queue", "retry", "--all")
    wait_for(lambda: has(b, "dr.b@b.test", subject.encode()), what="the delayed message at B")
