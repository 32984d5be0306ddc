"""A local OpenID Connect issuer for tests: RSA and EC signing keys, a JWKS file, and tokens it signs.

`make_issuer(folder)` writes `jwks.json` and returns an `Issuer` whose `token(national_id, ...)` signs an access
token like the national provider's (iss, aud, exp, the national-id claim `SubjectNameID`), with knobs to break
each check (expired, wrong audience, wrong issuer, other key, other algorithm).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://auth.esante.test/auth/realms/esante-wallet"
AUDIENCE = "caducee-mss"
CLAIM = "SubjectNameID"


@cache
def _keys() -> tuple[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]:
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec.generate_private_key(ec.SECP256R1()),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),  # not published: a forger's key
    )


@dataclass(frozen=True)
class Issuer:
    jwks_path: Path
    issuer: str = ISSUER
    audience: str = AUDIENCE

    def settings(self, **extra: Any) -> dict[str, Any]:
        """The `[auth]` section that trusts this issuer."""
        return {"oidc_issuer": self.issuer, "oidc_audience": self.audience, "oidc_jwks": str(self.jwks_path)} | extra

    def token(
        self,
        national_id: str | None,
        *,
        key: str = "rsa",
        expires_in: float = 300,
        audience: str | None = None,
        issuer: str | None = None,
        not_before: float | None = None,
        kid: str | None = None,
    ) -> str:
        rsa_key, ec_key, stranger = _keys()
        signing, alg, default_kid = {
            "rsa": (rsa_key, "RS256", "rsa-1"),
            "ec": (ec_key, "ES256", "ec-1"),
            "stranger": (stranger, "RS256", "rsa-1"),
        }[key]
        now = time.time()
        claims: dict[str, Any] = {
            "iss": issuer or self.issuer,
            "aud": audience or self.audience,
            "exp": int(now + expires_in),
            "iat": int(now),
            "sub": "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:ANS20231",
        }
        if national_id is not None:
            claims[CLAIM] = national_id
        if not_before is not None:
            claims["nbf"] = int(not_before)
        return jwt.encode(claims, signing, algorithm=alg, headers={"kid": kid or default_kid})


def make_issuer(folder: Path) -> Issuer:
    rsa_key, ec_key, _ = _keys()
    keys = [
        RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True) | {"kid": "rsa-1", "use": "sig", "alg": "RS256"},
        ECAlgorithm.to_jwk(ec_key.public_key(), as_dict=True) | {"kid": "ec-1", "use": "sig", "alg": "ES256"},
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "jwks.json"
    path.write_text(json.dumps({"keys": keys}))
    return Issuer(path)
