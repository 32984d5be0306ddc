"""Validation of OpenID Connect access tokens (JWT) presented through XOAUTH2 and OAUTHBEARER (DOMAIN.md §2).

Owns `TokenValidator`: the token's signature must verify with a key of the issuer's JWKS (RS256 or ES256 only;
`none` and HMAC are refused), `iss` must equal `auth.oidc_issuer`, `aud` must contain `auth.oidc_audience`,
`exp` must be in the future and `nbf` in the past (60 s of clock skew allowed, against the injected clock), and
the national-id claim (`auth.national_id_claim`, 8+RPPS) must be present. The JWKS is read from a file or fetched
from an https URL, kept, and read again when a token names an unknown key id (at most once a minute), so that a
key rotation at the issuer is followed. Never logs a token; failure reasons name the check that failed only.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt

from mailserver.auth.identity import AuthFailure

ALGORITHMS = ("RS256", "ES256")
LEEWAY = timedelta(seconds=60)
REFETCH_AFTER = timedelta(seconds=60)
FETCH_TIMEOUT = 10.0
MAX_JWKS = 1024 * 1024

FetchJwks = Callable[[str], Awaitable[bytes]]


@dataclass(frozen=True)
class TokenClaims:
    national_id: str
    subject: str
    expires_at: datetime


async def fetch_jwks(source: str) -> bytes:
    """Read a JWKS from a file path or an http(s) URL, in a worker thread."""
    return await asyncio.to_thread(_read_jwks, source)


def _read_jwks(source: str) -> bytes:
    if source.lower().startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=FETCH_TIMEOUT) as response:  # noqa: S310 - scheme checked
            data: bytes = response.read(MAX_JWKS + 1)
        if len(data) > MAX_JWKS:
            raise ValueError("JWKS too large")
        return data
    return Path(source).read_bytes()


class TokenValidator:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_source: str,
        national_id_claim: str,
        clock: Callable[[], datetime],
        fetch: FetchJwks = fetch_jwks,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._source = jwks_source
        self._claim = national_id_claim
        self._clock = clock
        self._fetch = fetch
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def validate(self, token: str) -> TokenClaims | AuthFailure:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return AuthFailure("token: not a JWT")
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            return AuthFailure(f"token: algorithm {str(alg)[:10]!r} not accepted")
        kid = str(header.get("kid", ""))
        try:
            key = await self._key(kid)
        except (OSError, ValueError) as exc:
            return AuthFailure(f"JWKS unavailable: {exc}", temporary=True)
        if key is None:
            return AuthFailure("token: signed with a key the issuer does not publish")
        if key.algorithm_name != alg:  # RFC 8725 §3.1: the key decides the algorithm, not the token
            return AuthFailure("token: algorithm does not match the key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "verify_exp": False,  # checked below against the injected clock
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["exp", "iss", "aud"],
                },
            )
        except jwt.InvalidAudienceError:
            return AuthFailure("token: wrong audience")
        except jwt.InvalidIssuerError:
            return AuthFailure("token: wrong issuer")
        except jwt.InvalidSignatureError:
            return AuthFailure("token: bad signature")
        except jwt.PyJWTError as exc:
            return AuthFailure(f"token: {type(exc).__name__}")
        return self._check_times_and_claim(claims)

    def _check_times_and_claim(self, claims: dict[str, Any]) -> TokenClaims | AuthFailure:
        now = self._clock().timestamp()
        try:
            exp = float(claims["exp"])
            nbf = float(claims.get("nbf", 0))
        except (TypeError, ValueError):
            return AuthFailure("token: exp or nbf is not a number")
        if now > exp + LEEWAY.total_seconds():
            return AuthFailure("token: expired")
        if nbf and now < nbf - LEEWAY.total_seconds():
            return AuthFailure("token: not valid yet")
        national_id = claims.get(self._claim)
        if not isinstance(national_id, str) or not national_id.strip():
            return AuthFailure(f"token: no {self._claim} claim")
        expires = datetime.fromtimestamp(exp, tz=self._clock().tzinfo)
        return TokenClaims(national_id.strip(), str(claims.get("sub", "")), expires)

    async def _key(self, kid: str) -> jwt.PyJWK | None:
        if not self._keys:
            await self._load(force=True)
        key = self._pick(kid)
        if key is None and self._may_refetch():
            await self._load(force=False)
            key = self._pick(kid)
        return key

    def _pick(self, kid: str) -> jwt.PyJWK | None:
        if kid:
            return self._keys.get(kid)
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    def _may_refetch(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= REFETCH_AFTER

    async def _load(self, *, force: bool) -> None:
        async with self._lock:
            if not force and not self._may_refetch():
                return
            self._fetched_at = self._clock()
            data = await self._fetch(self._source)
            try:
                document = json.loads(data)
                keys = [jwt.PyJWK(k) for k in document.get("keys", []) if k.get("use", "sig") == "sig"]
            except (ValueError, AttributeError, jwt.PyJWTError) as exc:
                raise ValueError(f"unreadable JWKS ({type(exc).__name__})") from None
            self._keys = {str(k.key_id or i): k for i, k in enumerate(keys)}
