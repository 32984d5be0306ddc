"""Rate limiting over SMTP: after `auth.max_failures` bad passwords the account is locked, and even the right
password then gets the same 535 5.7.8 (RFC 4954 §6 has no lockout code; see mailserver.auth.authenticator)."""

from __future__ import annotations

import asyncio
import smtplib
from pathlib import Path

from mailserver.store import Store
from tests.mailserver.smtp.conftest import PASSWORD, instance_with
from tests.pki_fixtures import PKIFixture
from tests.servers import client_tls


def attempts(port: int, pki: PKIFixture, passwords: list[str]) -> list[int]:
    codes = []
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as c:
        c.starttls(context=client_tls(pki))
        c.ehlo("client.example.test")
        for password in passwords:
            c.user, c.password = "dr.martin@example.test", password
            try:
                codes.append(c.auth("PLAIN", c.auth_plain)[0])
            except smtplib.SMTPAuthenticationError as exc:
                codes.append(exc.smtp_code)
    return codes


async def test_the_account_is_locked_after_max_failures_and_the_right_password_then_gets_535(
    store: Store, dev_pki: PKIFixture, tmp_path: Path
) -> None:
    async with instance_with(store, dev_pki, tmp_path, auth={"max_failures": 3, "lockout_seconds": 600}) as inst:
        codes = await asyncio.to_thread(attempts, inst.submission, dev_pki, ["bad1!", "bad2!", "bad3!", PASSWORD])
        assert codes == [535, 535, 535, 535]
        trace = [e.result for e in await store.audit.entries(target="dr.martin@example.test")]
        assert "locked" in trace and "ok" not in trace


async def test_below_the_threshold_the_right_password_still_works(
    store: Store, dev_pki: PKIFixture, tmp_path: Path
) -> None:
    async with instance_with(store, dev_pki, tmp_path, auth={"max_failures": 3}) as inst:
        codes = await asyncio.to_thread(attempts, inst.submission, dev_pki, ["bad1!", "bad2!", PASSWORD])
    assert codes == [535, 535, 235]
