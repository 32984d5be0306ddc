"""Submission with every AUTH mechanism, through real clients: smtplib, swaks and openssl s_client.

PLAIN and LOGIN (password), XOAUTH2 and OAUTHBEARER (an OIDC token whose national id maps to the person's
mailboxes), EXTERNAL (an application's organisation certificate); on 587 after STARTTLS and on 465 with implicit
TLS. AUTH is neither offered nor accepted before TLS; a failed login is 535 5.7.8; MAIL FROM must be a mailbox
the login may send as.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import smtplib
import subprocess
from collections.abc import Callable

import pytest

from mailserver.crypto.pki import IssuedCertificate
from tests.mailserver.auth.issuer import Issuer
from tests.mailserver.smtp.conftest import PASSWORD, Instance
from tests.mailserver.smtp.mailbox_reading import messages_of
from tests.servers import client_tls

NATIONAL_ID = "810001234567"
MESSAGE = b"From: dr.martin@example.test\r\nTo: dpi@example.test\r\nSubject: test\r\n\r\nbody\r\n"


def submit(
    instance: Instance,
    authenticate: Callable[[smtplib.SMTP], object],
    *,
    mail_from: str = "dr.martin@example.test",
    implicit: bool = False,
    certificate: IssuedCertificate | None = None,
) -> tuple[int, bytes]:
    """Log in with `authenticate`, then send MESSAGE to dpi@example.test; returns the reply to MAIL or DATA."""
    tls = client_tls(instance.pki, certificate)
    if implicit:
        client: smtplib.SMTP = smtplib.SMTP_SSL("127.0.0.1", instance.submissions, context=tls, timeout=20)
    else:
        client = smtplib.SMTP("127.0.0.1", instance.submission, timeout=20)
    with client:
        client.ehlo("client.example.test")
        if not implicit:
            client.starttls(context=tls)
            client.ehlo("client.example.test")
        authenticate(client)
        reply = client.mail(mail_from)
        if reply[0] != 250:
            return reply
        client.rcpt("dpi@example.test")
        return client.data(MESSAGE)


def plain(user: str = "dr.martin@example.test", password: str = PASSWORD) -> Callable[[smtplib.SMTP], object]:
    def go(c: smtplib.SMTP) -> object:
        c.user, c.password = user, password
        return c.auth("PLAIN", c.auth_plain)

    return go


def login(c: smtplib.SMTP) -> object:
    c.user, c.password = "dr.martin@example.test", PASSWORD
    return c.auth("LOGIN", c.auth_login, initial_response_ok=False)


def xoauth2(token: str, user: str = "dr.martin@example.test") -> Callable[[smtplib.SMTP], object]:
    return lambda c: c.auth("XOAUTH2", lambda challenge=None: f"user={user}\x01auth=Bearer {token}\x01\x01")


def oauthbearer(token: str, user: str = "") -> Callable[[smtplib.SMTP], object]:
    gs2 = f"n,a={user}," if user else "n,,"
    return lambda c: c.auth("OAUTHBEARER", lambda challenge=None: f"{gs2}\x01auth=Bearer {token}\x01\x01")


def external(authzid: str = "") -> Callable[[smtplib.SMTP], object]:
    return lambda c: c.auth("EXTERNAL", lambda challenge=None: authzid)


async def run(fn: Callable[..., tuple[int, bytes]], *args: object, **kw: object) -> tuple[int, bytes]:
    return await asyncio.to_thread(fn, *args, **kw)


# ---------------------------------------------------------------- each mechanism with smtplib
@pytest.mark.parametrize("implicit", [False, True], ids=["587-starttls", "465-implicit"])
async def test_plain_login_submits_and_the_message_is_stored(instance: Instance, implicit: bool) -> None:
    code, _ = await run(submit, instance, plain(), implicit=implicit)
    assert code == 250
    (stored,) = await messages_of(instance.store, "dpi@example.test")
    assert b"with ESMTPSA" in stored and b"Message-ID: <" in stored  # RFC 6409 §8.3: added when missing


async def test_login_mechanism_submits(instance: Instance) -> None:
    assert (await run(submit, instance, login))[0] == 250


@pytest.mark.parametrize("key", ["rsa", "ec"])
async def test_xoauth2_with_a_valid_token_submits(instance: Instance, issuer: Issuer, key: str) -> None:
    assert (await run(submit, instance, xoauth2(issuer.token(NATIONAL_ID, key=key))))[0] == 250


async def test_oauthbearer_with_a_valid_token_may_send_as_a_delegated_org_mailbox(
    instance: Instance, issuer: Issuer
) -> None:
    token = issuer.token(NATIONAL_ID)
    code, _ = await run(submit, instance, oauthbearer(token), mail_from="secretariat@example.test")
    assert code == 250


async def test_external_with_the_application_certificate_submits_as_its_app_mailbox(instance: Instance) -> None:
    code, _ = await run(
        submit, instance, external(), mail_from="dpi@ch-exemple.fr", certificate=instance.pki.organisation
    )
    assert code == 250


# ---------------------------------------------------------------- failures
def failing_auth(instance: Instance, authenticate: Callable[[smtplib.SMTP], object], **kw: object) -> int:
    try:
        submit(instance, authenticate, **kw)  # type: ignore[arg-type]
    except smtplib.SMTPAuthenticationError as exc:
        return exc.smtp_code
    return 0


@pytest.mark.parametrize(
    "case",
    [
        "bad-password",
        "unknown-user",
        "expired-token",
        "wrong-audience",
        "wrong-issuer",
        "forged-token",
        "no-national-id",
        "unknown-person",
        "user-not-the-person",
    ],
)
async def test_failed_authentication_is_535(instance: Instance, issuer: Issuer, case: str) -> None:
    authenticate = {
        "bad-password": plain(password="wrong password!!"),
        "unknown-user": plain(user="nobody@example.test"),
        "expired-token": xoauth2(issuer.token(NATIONAL_ID, expires_in=-3600)),
        "wrong-audience": xoauth2(issuer.token(NATIONAL_ID, audience="someone-else")),
        "wrong-issuer": oauthbearer(issuer.token(NATIONAL_ID, issuer="https://evil.test")),
        "forged-token": oauthbearer(issuer.token(NATIONAL_ID, key="stranger")),
        "no-national-id": xoauth2(issuer.token(None)),
        "unknown-person": xoauth2(issuer.token("810009999999")),
        "user-not-the-person": xoauth2(issuer.token(NATIONAL_ID), user="dpi@example.test"),
    }[case]
    assert await asyncio.to_thread(failing_auth, instance, authenticate) == 535


async def test_external_without_a_mailbox_for_the_certificate_is_535(instance: Instance) -> None:
    # The person certificate names dr.martin@ch-exemple.fr, a PER mailbox: certificates open APP and ORG only.
    code = await asyncio.to_thread(failing_auth, instance, external(), certificate=instance.pki.person)
    assert code == 535


async def test_mail_from_an_address_the_login_does_not_hold_is_550_5_7_1(instance: Instance) -> None:
    code, text = await run(submit, instance, plain(), mail_from="dpi@example.test")
    assert (code, text.split(b" ")[0]) == (550, b"5.7.1")


def _ehlo_and_auth_before_tls(port: int) -> tuple[str, tuple[int, bytes], tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as c:
        _, features = c.ehlo("client.example.test")
        auth = c.docmd("AUTH", "PLAIN " + base64.b64encode(f"\0dr.martin@example.test\0{PASSWORD}".encode()).decode())
        mail = c.mail("dr.martin@example.test")
        return features.decode(), auth, mail


async def test_auth_is_neither_offered_nor_accepted_before_tls(instance: Instance) -> None:
    features, auth, mail = await asyncio.to_thread(_ehlo_and_auth_before_tls, instance.submission)
    assert "STARTTLS" in features and "AUTH" not in features
    assert auth[0] == 538 and auth[1].startswith(b"5.7.11")
    assert mail[0] == 530


def _mail_without_auth(instance: Instance) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", instance.submission, timeout=20) as c:
        c.starttls(context=client_tls(instance.pki))
        c.ehlo("client.example.test")
        return c.mail("dr.martin@example.test")


async def test_mail_without_auth_is_530_5_7_0(instance: Instance) -> None:
    code, text = await asyncio.to_thread(_mail_without_auth, instance)
    assert code == 530 and text.startswith(b"5.7.0")


def _features_after_tls(instance: Instance, certificate: IssuedCertificate | None) -> str:
    with smtplib.SMTP("127.0.0.1", instance.submission, timeout=20) as c:
        c.starttls(context=client_tls(instance.pki, certificate))
        return c.ehlo("client.example.test")[1].decode()


async def test_ehlo_under_tls_lists_the_mechanisms_and_external_only_with_a_certificate(instance: Instance) -> None:
    without = await asyncio.to_thread(_features_after_tls, instance, None)
    with_cert = await asyncio.to_thread(_features_after_tls, instance, instance.pki.organisation)
    assert "AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER\n" in without + "\n"
    assert "AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER EXTERNAL" in with_cert


# ---------------------------------------------------------------- other real clients
needs_swaks = pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks (Debian package swaks) not installed")


def swaks(instance: Instance, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "swaks",
            "--server",
            "127.0.0.1",
            "--from",
            "dr.martin@example.test",
            "--to",
            "dpi@example.test",
            "--helo",
            "client.example.test",
            "--auth-user",
            "dr.martin@example.test",
            "--auth-password",
            PASSWORD,
            "--timeout",
            "20",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@needs_swaks
@pytest.mark.parametrize(
    ("mechanism", "tls"),
    [("PLAIN", ["--tls"]), ("LOGIN", ["--tls"]), ("PLAIN", ["--tls-on-connect"])],
    ids=["plain-587", "login-587", "plain-465"],
)
async def test_swaks_submits_with_password_mechanisms(instance: Instance, mechanism: str, tls: list[str]) -> None:
    port = instance.submissions if tls == ["--tls-on-connect"] else instance.submission
    done = await asyncio.to_thread(swaks, instance, "--port", str(port), "--auth", mechanism, *tls)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "<~  235 2.7.0" in done.stdout and "<~  250 2.0.0 OK, message accepted" in done.stdout


@needs_swaks
async def test_swaks_with_a_wrong_password_gets_535(instance: Instance) -> None:
    done = await asyncio.to_thread(
        swaks, instance, "--port", str(instance.submission), "--auth", "PLAIN", "--tls", "--auth-password", "nope!"
    )
    assert done.returncode != 0 and "535 5.7.8" in done.stdout


def s_client(instance: Instance, lines: list[str], certificate: IssuedCertificate | None = None) -> str:
    """Drive openssl s_client (STARTTLS smtp) with `lines`; returns what the server said."""
    args = [
        "openssl",
        "s_client",
        "-connect",
        f"127.0.0.1:{instance.submission}",
        "-starttls",
        "smtp",
        "-crlf",
        "-quiet",
        "-CAfile",
        str(instance.pki.root_ca),
    ]
    if certificate is not None:
        args += ["-cert", str(certificate.cert_path), "-key", str(certificate.key_path)]
    done = subprocess.run(
        args, input="".join(f"{line}\n" for line in lines), capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def session_lines(auth: str, mail_from: str) -> list[str]:
    return [
        "EHLO client.example.test",
        auth,
        f"MAIL FROM:<{mail_from}>",
        "RCPT TO:<dpi@example.test>",
        "DATA",
        "Subject: via s_client",
        "",
        "hello",
        ".",
        "QUIT",
    ]


async def test_openssl_client_with_xoauth2_and_oauthbearer(instance: Instance, issuer: Issuer) -> None:
    token = issuer.token(NATIONAL_ID)
    for auth in (
        "AUTH XOAUTH2 " + _b64(f"user=dr.martin@example.test\x01auth=Bearer {token}\x01\x01"),
        "AUTH OAUTHBEARER " + _b64(f"n,a=dr.martin@example.test,\x01auth=Bearer {token}\x01\x01"),
    ):
        out = await asyncio.to_thread(s_client, instance, session_lines(auth, "dr.martin@example.test"))
        assert "235 2.7.0" in out and "250 2.0.0 OK, message accepted" in out, out


async def test_openssl_client_with_external_and_its_organisation_certificate(instance: Instance) -> None:
    lines = session_lines("AUTH EXTERNAL =", "dpi@ch-exemple.fr")
    out = await asyncio.to_thread(s_client, instance, lines, instance.pki.organisation)
    assert "235 2.7.0" in out and "250 2.0.0 OK, message accepted" in out, out


async def test_oauthbearer_failure_sends_the_rfc7628_error_challenge_first(instance: Instance, issuer: Issuer) -> None:
    bad = issuer.token(NATIONAL_ID, expires_in=-3600)
    lines = [
        "EHLO client.example.test",
        "AUTH OAUTHBEARER " + _b64(f"n,,\x01auth=Bearer {bad}\x01\x01"),
        "AQ==",
        "QUIT",
    ]
    out = await asyncio.to_thread(s_client, instance, lines)
    challenge = next(line for line in out.splitlines() if line.startswith("334 "))
    assert base64.b64decode(challenge[4:]) == b'{"status":"invalid_token"}'
    assert "535 5.7.8" in out
