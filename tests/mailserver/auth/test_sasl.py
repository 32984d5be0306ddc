"""SASL messages: PLAIN (RFC 4616), XOAUTH2, OAUTHBEARER (RFC 7628), EXTERNAL (RFC 4422), table-driven."""

from __future__ import annotations

import pytest

from mailserver.auth.sasl import (
    BearerCredentials,
    PasswordCredentials,
    SaslSyntaxError,
    oauth_error,
    parse_external,
    parse_oauthbearer,
    parse_plain,
    parse_xoauth2,
)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (b"\x00user@x\x00secret", PasswordCredentials("", "user@x", "secret")),
        (b"boss@x\x00user@x\x00p\xc3\xa9", PasswordCredentials("boss@x", "user@x", "pé")),
    ],
)
def test_plain_parses(message: bytes, expected: PasswordCredentials) -> None:
    assert parse_plain(message) == expected


@pytest.mark.parametrize(
    "message", [b"user\x00secret", b"\x00\x00secret", b"\x00u\x00", b"a\x00b\x00c\x00d", b"\x00u\x00\xff"]
)
def test_malformed_plain_is_refused(message: bytes) -> None:
    with pytest.raises(SaslSyntaxError):
        parse_plain(message)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (b"user=a@x\x01auth=Bearer tok.en\x01\x01", BearerCredentials("a@x", "tok.en")),
        (b"auth=bearer TOKEN\x01\x01", BearerCredentials("", "TOKEN")),
    ],
)
def test_xoauth2_parses(message: bytes, expected: BearerCredentials) -> None:
    assert parse_xoauth2(message) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (b"n,a=a@x,\x01host=mail\x01port=587\x01auth=Bearer tok\x01\x01", BearerCredentials("a@x", "tok")),
        (b"n,,\x01auth=Bearer tok\x01\x01", BearerCredentials("", "tok")),
        (b"n,a=a=2Cb@x,\x01auth=Bearer t\x01\x01", BearerCredentials("a,b@x", "t")),
    ],
)
def test_oauthbearer_parses(message: bytes, expected: BearerCredentials) -> None:
    assert parse_oauthbearer(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        b"auth=Bearer tok\x01\x01",  # no GS2 header
        b"p=tls-unique,,\x01auth=Bearer t\x01\x01",  # channel binding is not offered
        b"n,x=1,\x01auth=Bearer t\x01\x01",
        b"n,,\x01auth=Basic dXNlcg==\x01\x01",
        b"n,,\x01auth=Bearer \x01\x01",
        b"n,,\x01garbage\x01\x01",
    ],
)
def test_malformed_oauthbearer_is_refused(message: bytes) -> None:
    with pytest.raises(SaslSyntaxError):
        parse_oauthbearer(message)


def test_external_authzid_and_the_oauth_error_message() -> None:
    assert parse_external(b"") == "" and parse_external(b"dpi@x") == "dpi@x"
    assert oauth_error() == b'{"status":"invalid_token"}'
