"""Building the authenticator and the certificate verifier from the settings, for every protocol that logs in.

Owns the mapping of `[auth]` and `[trust]` to `Authenticator` (rate limits in the database, the OIDC validator
when an issuer and a JWKS are configured) and `CertificateVerifier` (anchors, CRL files and URLs). SMTP
submission and IMAP call these, so both apply the same limits and accept the same tokens and certificates.
Never opens a socket.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mailserver.auth.authenticator import Authenticator
from mailserver.auth.limiter import FailureLimiter, Sleep
from mailserver.auth.oidc import TokenValidator
from mailserver.auth.peer import CertificateVerifier
from mailserver.config import Settings, resolve_path
from mailserver.store import Store, utcnow
from mailserver.store.authlimits import AuthLimits


def crl_sources(settings: Settings) -> list[str]:
    """`trust.crls` with file paths resolved against the configuration's folder (URLs kept)."""
    return [
        c if c.lower().startswith(("http://", "https://")) else str(resolve_path(settings, c))
        for c in settings.trust.crls
    ]


def certificate_verifier(settings: Settings) -> CertificateVerifier:
    """Anchors and CRL files loaded now; CRL URLs wait for `refresh_crls` (the SMTP starter fetches them)."""
    anchors = [resolve_path(settings, a) for a in settings.trust.anchors]
    return CertificateVerifier.from_files(anchors, crl_sources(settings), clock=utcnow)


def authenticator(
    settings: Settings,
    store: Store,
    verifier: CertificateVerifier | None = None,
    *,
    base_delay: float = 0.5,
    sleep: Sleep = asyncio.sleep,
) -> Authenticator:
    """The shared authenticator; `base_delay` is the first failure's wait (0 in tests)."""
    auth = settings.auth
    limiter = FailureLimiter(
        AuthLimits(store.engine, utcnow),
        max_failures=auth.max_failures,
        lockout=timedelta(seconds=auth.lockout_seconds),
        base_delay=base_delay,
        sleep=sleep,
    )
    tokens = None
    if auth.oidc_issuer and auth.oidc_jwks:
        jwks = auth.oidc_jwks
        if not jwks.lower().startswith(("https://", "http://")):
            jwks = str(resolve_path(settings, jwks))
        tokens = TokenValidator(
            issuer=auth.oidc_issuer,
            audience=auth.oidc_audience,
            jwks_source=jwks,
            national_id_claim=auth.national_id_claim,
            clock=utcnow,
        )
    return Authenticator(
        store.accounts, limiter, store.audit, tokens=tokens, certificates=verifier or certificate_verifier(settings)
    )
