"""Hostile input is bounded, each with its standard reply: long lines, bare LF commands, header floods, too many
recipients, unknown-command loops, idle sessions, oversize messages; and an internal failure never shows its
exception to the peer (451 4.3.0 with a trace id; the detail goes to the log)."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from mailserver.store import Store
from tests.mailserver.smtp.conftest import Instance, instance_with
from tests.mailserver.smtp.rawclient import RawSession
from tests.pki_fixtures import PKIFixture
from tests.servers import client_tls


def mx_session(instance: Instance) -> RawSession:
    return RawSession.open(instance.mx, client_tls(instance.pki, instance.pki.server))


def open_transaction(session: RawSession) -> None:
    assert session.command(b"MAIL FROM:<dr.durand@partner.test>").startswith("250")
    assert session.command(b"RCPT TO:<dr.martin@example.test>").startswith("250")


def in_thread(instance: Instance, script):  # type: ignore[no-untyped-def]
    def go():  # type: ignore[no-untyped-def]
        session = mx_session(instance)
        try:
            return script(session)
        finally:
            session.close()

    return asyncio.to_thread(go)


async def test_command_lines_that_are_too_long_or_end_in_bare_lf_are_500_5_5_2(instance: Instance) -> None:
    def script(s: RawSession) -> list[str]:
        return [
            s.command(b"NOOP " + b"x" * 600),  # RFC 5321 §4.5.3.1.4: 512 octets
            s.command(b"NOOP " + b"x" * 20000),  # beyond the reader's buffer: drained, not kept
            s.send(b"NOOP\n") or s.reply(),
            s.command(b"NOOP"),
        ]

    long_line, huge_line, bare_lf, after = await in_thread(instance, script)
    assert long_line.startswith("500 5.5.2") and huge_line.startswith("500 5.5.2")
    assert bare_lf.startswith("500 5.5.2") and after.startswith("250 2.0.0")


async def test_a_data_line_over_1000_octets_is_500_5_5_2(instance: Instance) -> None:
    def script(s: RawSession) -> str:
        open_transaction(s)
        s.command(b"DATA")
        return s.command(b"Subject: x\r\n\r\n" + b"y" * 1000 + b"\r\n.")

    assert (await in_thread(instance, script)).startswith("500 5.5.2")


async def test_too_many_header_fields_is_552_5_3_4(store: Store, dev_pki: PKIFixture, tmp_path: Path) -> None:
    async with instance_with(store, dev_pki, tmp_path, smtp={"max_header_fields": 20}) as instance:

        def script(s: RawSession) -> list[str]:
            open_transaction(s)
            s.command(b"DATA")
            flood = s.command(b"".join(b"X-F%d: v\r\n" % i for i in range(21)) + b"\r\nbody\r\n.")
            open_transaction(s)
            s.command(b"DATA")
            folded = s.command(b"".join(b"X-F%d: v\r\n  folded\r\n" % i for i in range(20)) + b"\r\nbody\r\n.")
            return [flood, folded]

        flood, folded = await in_thread(instance, script)
    assert flood.startswith("552 5.3.4") and folded.startswith("250 2.0.0")


async def test_recipients_beyond_the_limit_are_452_4_5_3(store: Store, dev_pki: PKIFixture, tmp_path: Path) -> None:
    async with instance_with(store, dev_pki, tmp_path, smtp={"max_recipients": 3}) as instance:

        def script(s: RawSession) -> list[str]:
            s.command(b"MAIL FROM:<dr.durand@partner.test>")
            return [s.command(b"RCPT TO:<dr.martin@example.test>") for _ in range(4)]

        replies = await in_thread(instance, script)
    assert [r[:9] for r in replies] == ["250 2.1.5"] * 3 + ["452 4.5.3"]


async def test_a_loop_of_unknown_commands_is_closed_with_421(instance: Instance) -> None:
    def script(s: RawSession) -> tuple[list[str], bool]:
        replies = [s.command(b"XYZZY") for _ in range(10)]
        replies.append(s.reply())
        return replies, s.closed()

    replies, closed = await in_thread(instance, script)
    assert all(r.startswith("500 5.5.1") for r in replies[:10])
    assert replies[10].startswith("421 4.7.0") and closed


async def test_an_idle_session_is_closed_with_421_4_4_2(store: Store, dev_pki: PKIFixture, tmp_path: Path) -> None:
    async with instance_with(store, dev_pki, tmp_path, smtp={"idle_timeout": 1}) as instance:

        def script() -> tuple[str, bool]:
            session = RawSession.open(instance.mx)
            try:
                return session.reply(), session.closed()
            finally:
                session.close()

        reply, closed = await asyncio.to_thread(script)
    assert reply.startswith("421 4.4.2") and closed


async def test_activity_pushes_the_idle_timeout_back(store: Store, dev_pki: PKIFixture, tmp_path: Path) -> None:
    """Commands spread over more than the timeout keep the session; silence then closes it (the one timer of a
    session is re-armed when it fires before the deadline)."""
    async with instance_with(store, dev_pki, tmp_path, smtp={"idle_timeout": 1}) as instance:

        def script() -> tuple[list[str], str, bool, float]:
            session = RawSession.open(instance.mx)
            try:
                replies = []
                for _ in range(5):  # 2 s of activity, a command every 0.4 s
                    time.sleep(0.4)
                    replies.append(session.command(b"NOOP"))
                silent = time.monotonic()
                return replies, session.reply(), session.closed(), time.monotonic() - silent
            finally:
                session.close()

        replies, last, closed, waited = await asyncio.to_thread(script)
    assert all(r.startswith("250") for r in replies)
    assert last.startswith("421 4.4.2") and closed and 0.5 < waited < 3


async def test_announced_or_actual_oversize_is_552_5_3_4(store: Store, dev_pki: PKIFixture, tmp_path: Path) -> None:
    async with instance_with(store, dev_pki, tmp_path, smtp={"max_message_size": 2000}) as instance:

        def script(s: RawSession) -> list[str]:
            announced = s.command(b"MAIL FROM:<dr.durand@partner.test> SIZE=2001")
            open_transaction(s)
            s.command(b"DATA")
            actual = s.command(b"Subject: big\r\n\r\n" + b"z" * 500 + (b"\r\n" + b"z" * 500) * 4 + b"\r\n.")
            features = s.command(b"EHLO again.partner.test")
            return [announced, actual, features]

        announced, actual, features = await in_thread(instance, script)
    assert announced.startswith("552 5.3.4") and actual.startswith("552 5.3.4")
    assert "250-SIZE 2000" in features


async def test_an_internal_failure_is_451_4_3_0_with_a_trace_and_the_detail_only_in_the_log(
    instance: Instance, caplog: pytest.LogCaptureFixture
) -> None:
    async with instance.store.engine.begin() as conn:  # break the store under the running server
        await conn.execute(text("ALTER TABLE patients RENAME TO patients_gone"))

    def script(s: RawSession) -> str:
        s.command(b"MAIL FROM:<dr.durand@partner.test>")
        return s.command(b"RCPT TO:<279035121518989@patient.example.test>")

    with caplog.at_level(logging.ERROR, logger="caducee.smtp"):
        reply = await in_thread(instance, script)
    assert reply.startswith("451 4.3.0") and "trace " in reply
    assert "patients" not in reply and "Error" not in reply
    trace = reply.rsplit("trace ", 1)[1].rstrip(")")
    failures = [r for r in caplog.records if r.getMessage() == "session failure"]
    assert failures and failures[0].trace == trace and failures[0].exc_info is not None  # type: ignore[attr-defined]
