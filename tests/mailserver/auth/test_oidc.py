"""OIDC access tokens: every check of the validator (signature, algorithm, issuer, audience, times, claim, keys)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from mailserver.auth.identity import AuthFailure
from mailserver.auth.oidc import TokenClaims, TokenValidator
from tests.mailserver.auth.issuer import AUDIENCE, CLAIM, ISSUER, Issuer, _keys, make_issuer


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def issuer(tmp_path: Path) -> Issuer:
    return make_issuer(tmp_path)


def validator(issuer: Issuer, clock: Clock | None = None) -> TokenValidator:
    return TokenValidator(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_source=str(issuer.jwks_path),
        national_id_claim=CLAIM,
        clock=clock or Clock(),
    )


@pytest.mark.parametrize("key", ["rsa", "ec"])
async def test_a_valid_token_gives_the_national_id(issuer: Issuer, key: str) -> None:
    claims = await validator(issuer).validate(issuer.token("810001234567", key=key))
    assert isinstance(claims, TokenClaims) and claims.national_id == "810001234567"


def _hs256_with_the_public_key() -> str:
    rsa_key = _keys()[0]
    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60, CLAIM: "810001234567"}
    header = json.dumps({"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}).encode()
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(header)}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("expired", "expired"),
        ("not-yet", "not valid yet"),
        ("audience", "wrong audience"),
        ("issuer", "wrong issuer"),
        ("forged", "bad signature"),
        ("no-claim", "no SubjectNameID"),
        ("unknown-kid", "does not publish"),
        ("alg-none", "not accepted"),
        ("hs256-confusion", "not accepted"),
        ("ec-header-rsa-key", "does not match"),
        ("garbage", "not a JWT"),
    ],
)
async def test_each_broken_token_is_refused_with_its_reason(issuer: Issuer, case: str, reason: str) -> None:
    now = time.time()
    token = {
        "expired": lambda: issuer.token("8", expires_in=-120),
        "not-yet": lambda: issuer.token("8", not_before=now + 3600),
        "audience": lambda: issuer.token("8", audience="other"),
        "issuer": lambda: issuer.token("8", issuer="https://elsewhere"),
        "forged": lambda: issuer.token("8", key="stranger"),
        "no-claim": lambda: issuer.token(None),
        "unknown-kid": lambda: issuer.token("8", kid="rotated-away"),
        "alg-none": lambda: jwt.encode({"iss": ISSUER, "aud": AUDIENCE, CLAIM: "8"}, None, algorithm="none"),
        "hs256-confusion": _hs256_with_the_public_key,
        "ec-header-rsa-key": lambda: issuer.token("8", key="ec", kid="rsa-1"),
        "garbage": lambda: "not.a.token",
    }[case]()
    result = await validator(issuer).validate(token)
    assert isinstance(result, AuthFailure) and reason in result.reason and not result.temporary


async def test_sixty_seconds_of_clock_skew_are_tolerated(issuer: Issuer) -> None:
    clock = Clock()
    token = issuer.token("810001234567", expires_in=10)
    clock.now += timedelta(seconds=50)
    assert isinstance(await validator(issuer, clock).validate(token), TokenClaims)
    clock.now += timedelta(seconds=30)
    assert isinstance(await validator(issuer, clock).validate(token), AuthFailure)


async def test_a_rotated_key_is_fetched_again_at_most_once_a_minute(issuer: Issuer, tmp_path: Path) -> None:
    clock = Clock()
    v = validator(issuer, clock)
    assert isinstance(await v.validate(issuer.token("8", expires_in=7200)), TokenClaims)  # loads the JWKS
    document = json.loads(issuer.jwks_path.read_text())
    document["keys"][0]["kid"] = "rsa-2"  # the issuer rotates: same key, new id
    issuer.jwks_path.write_text(json.dumps(document))
    clock.now += timedelta(minutes=10)
    assert isinstance(
        await v.validate(issuer.token("8", expires_in=7200, kid="rsa-2")), TokenClaims
    )  # a miss: fetched again
    document["keys"][0]["kid"] = "rsa-3"
    issuer.jwks_path.write_text(json.dumps(document))
    assert isinstance(
        await v.validate(issuer.token("8", expires_in=7200, kid="rsa-3")), AuthFailure
    )  # within the minute: no refetch
    clock.now += timedelta(seconds=61)
    assert isinstance(await v.validate(issuer.token("8", expires_in=7200, kid="rsa-3")), TokenClaims)


async def test_an_unreadable_jwks_is_a_temporary_failure(tmp_path: Path, issuer: Issuer) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    v = TokenValidator(
        issuer=ISSUER, audience=AUDIENCE, jwks_source=str(broken), national_id_claim=CLAIM, clock=Clock()
    )
    result = await v.validate(issuer.token("8"))
    assert isinstance(result, AuthFailure) and result.temporary
