"""LOGIN and AUTHENTICATE (PLAIN, XOAUTH2, OAUTHBEARER, EXTERNAL; with and without SASL-IR) fed as bytes."""

from __future__ import annotations

import base64
import json

from mailserver.crypto.pem_files import read_certificates
from mailserver.imap.services import ImapServices
from mailserver.store import Store
from tests.mailserver.auth.issuer import Issuer
from tests.mailserver.imap.conftest import APPLICATION, PASSWORD, SHARED, USER, USER_NATIONAL_ID, Talk, tagged
from tests.pki_fixtures import PKIFixture


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


async def test_login_with_the_right_password_opens_the_personal_namespace(talk: Talk) -> None:
    answer = await talk.login()
    assert tagged(answer, "l0").startswith(b"l0 OK [CAPABILITY IMAP4rev1 ") and answer.endswith(b"] Logged in\r\n")
    listing = await talk.cmd('a1 LIST "" "INBOX"')
    assert b'* LIST (\\HasNoChildren) "/" INBOX\r\n' in listing


async def test_login_with_a_wrong_password_is_authenticationfailed_and_traced(talk: Talk, store: Store) -> None:
    answer = await talk.cmd(f'a1 LOGIN "{USER}" "wrong password"')
    assert tagged(answer, "a1") == b"a1 NO [AUTHENTICATIONFAILED] Authentication failed"
    entry = (await store.audit.entries(target=USER))[0]
    assert (entry.action, entry.result) == ("auth.login", "failed")
    assert "wrong password" not in entry.detail
    assert tagged(await talk.cmd("a2 NOOP"), "a2") == b"a2 OK NOOP completed"


async def test_an_unknown_user_gets_the_same_answer(talk: Talk) -> None:
    answer = await talk.cmd('a1 LOGIN "nobody@example.test" "whatever password"')
    assert tagged(answer, "a1") == b"a1 NO [AUTHENTICATIONFAILED] Authentication failed"


async def test_authenticate_plain_with_an_initial_response(talk: Talk) -> None:
    answer = await talk.cmd(b"a1 AUTHENTICATE PLAIN " + b64(f"\0{USER}\0{PASSWORD}".encode()))
    assert tagged(answer, "a1").endswith(b"] Logged in")


async def test_authenticate_plain_through_a_continuation(talk: Talk) -> None:
    assert await talk.send(b"a1 AUTHENTICATE PLAIN\r\n") == b"+ \r\n"
    answer = await talk.send(b64(f"{USER}\0{USER}\0{PASSWORD}".encode()) + b"\r\n")
    assert tagged(answer, "a1").endswith(b"] Logged in")


async def test_authenticate_cancelled_with_a_star_is_bad(talk: Talk) -> None:
    await talk.send(b"a1 AUTHENTICATE PLAIN\r\n")
    assert await talk.send(b"*\r\n") == b"a1 BAD Authentication cancelled\r\n"
    assert tagged(await talk.cmd("a2 NOOP"), "a2") == b"a2 OK NOOP completed"


async def test_authenticate_with_a_response_that_is_not_base64_is_bad(talk: Talk) -> None:
    await talk.send(b"a1 AUTHENTICATE PLAIN\r\n")
    assert await talk.send(b"not base64 !!\r\n") == b"a1 BAD Invalid SASL response\r\n"


async def test_plain_authzid_of_a_delegated_mailbox_keeps_it_shared(talk: Talk) -> None:
    answer = await talk.cmd(b"a1 AUTHENTICATE PLAIN " + b64(f"{SHARED}\0{USER}\0{PASSWORD}".encode()))
    assert tagged(answer, "a1").endswith(b"] Logged in")
    listing = await talk.cmd('a2 LIST "" "Shared/cardiologie@example.test/INBOX"')
    assert b"Shared/cardiologie@example.test/INBOX" in listing


async def test_plain_authzid_of_a_stranger_is_authorizationfailed(talk: Talk) -> None:
    answer = await talk.cmd(b"a1 AUTHENTICATE PLAIN " + b64(f"dr.martin@example.test\0{USER}\0{PASSWORD}".encode()))
    assert tagged(answer, "a1") == b"a1 NO [AUTHORIZATIONFAILED] Not authorised to use this identity"


async def test_xoauth2_with_a_valid_token(talk: Talk, issuer: Issuer) -> None:
    token = issuer.token(USER_NATIONAL_ID)
    answer = await talk.cmd(b"a1 AUTHENTICATE XOAUTH2 " + b64(f"user={USER}\1auth=Bearer {token}\1\1".encode()))
    assert tagged(answer, "a1").endswith(b"] Logged in")
    assert b"INBOX" in await talk.cmd('a2 LIST "" INBOX')


async def test_oauthbearer_with_a_valid_token_through_a_continuation(talk: Talk, issuer: Issuer) -> None:
    token = issuer.token(USER_NATIONAL_ID, key="ec")
    assert await talk.send(b"a1 AUTHENTICATE OAUTHBEARER\r\n") == b"+ \r\n"
    answer = await talk.send(b64(f"n,a={USER},\1auth=Bearer {token}\1\1".encode()) + b"\r\n")
    assert tagged(answer, "a1").endswith(b"] Logged in")


async def test_a_refused_token_gets_the_rfc7628_error_challenge_then_no(talk: Talk, issuer: Issuer) -> None:
    token = issuer.token(USER_NATIONAL_ID, expires_in=-600)
    answer = await talk.send(b"a1 AUTHENTICATE OAUTHBEARER " + b64(f"n,,\1auth=Bearer {token}\1\1".encode()) + b"\r\n")
    assert answer.startswith(b"+ ") and json.loads(base64.b64decode(answer[2:].strip()))["status"] == "invalid_token"
    assert await talk.send(b"AQ==\r\n") == b"a1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n"


async def test_external_with_the_organisation_certificate(services: ImapServices, dev_pki: PKIFixture) -> None:
    chain = read_certificates(dev_pki.organisation.cert_path)  # leaf, then the organisations CA
    talk = await Talk(services, certificates=chain).open()
    assert b"AUTH=EXTERNAL" in talk.greeting
    answer = await talk.cmd("a1 AUTHENTICATE EXTERNAL =")
    assert tagged(answer, "a1").endswith(b"] Logged in")
    assert talk.session.user is not None and talk.session.user.mailbox.address == APPLICATION


async def test_external_is_not_offered_without_a_client_certificate(talk: Talk) -> None:
    assert b"AUTH=EXTERNAL" not in talk.greeting
    answer = await talk.cmd("a1 AUTHENTICATE EXTERNAL =")
    assert tagged(answer, "a1") == b"a1 NO [CANNOT] Unsupported authentication mechanism"


async def test_an_oauth_user_naming_a_delegated_mailbox_still_gets_it_under_shared(talk: Talk, issuer: Issuer) -> None:
    token = issuer.token(USER_NATIONAL_ID)
    answer = await talk.cmd(b"a1 AUTHENTICATE XOAUTH2 " + b64(f"user={SHARED}\1auth=Bearer {token}\1\1".encode()))
    assert tagged(answer, "a1").endswith(b"] Logged in")
    assert talk.session.user is not None and talk.session.user.mailbox.address == USER
    assert b"Shared/cardiologie@example.test/INBOX" in await talk.cmd('a2 LIST "" "Shared/*/INBOX"')
