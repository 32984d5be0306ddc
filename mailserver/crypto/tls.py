"""TLS contexts for the health TLS profile, and reading the peer's certificates after a handshake.

Owns the profile of DOMAIN.md §2: TLS 1.2 with the four ECDHE-RSA suites health clients use, TLS 1.3 as well,
nothing older, no compression, no renegotiation. Client certificates and peers are verified against the trust
anchors given by the caller only: these contexts never load the system store (IGC-Santé roots are not in it).
It never opens sockets and never decides what a verified peer may do (whitelist DN, revocation answer: the SMTP
layer, with `names`, `chain` and `revocation`). `verify_chain`, `ChainResult` and `RevocationChecker` are
re-exported here for the protocol layers.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from cryptography import x509

from mailserver.crypto.chain import ChainResult, ChainStatus, verify_chain
from mailserver.crypto.pem_files import CertificateFileError
from mailserver.crypto.revocation import RevocationChecker, RevocationStatus
from mailserver.errors import UsageError

__all__ = [
    "HEALTH_TLS12_CIPHERS",
    "ChainResult",
    "ChainStatus",
    "RevocationChecker",
    "RevocationStatus",
    "client_context",
    "handshake_failure",
    "peer_certificate",
    "peer_chain",
    "server_context",
    "verify_chain",
]

# DOMAIN.md §2: the client reference profile (RSA server keys, ECDHE key exchange, AEAD or SHA-2 MAC).
HEALTH_TLS12_CIPHERS = (
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256"
)

SSLEndpoint = ssl.SSLSocket | ssl.SSLObject
_ENCODING_DER = 2  # _ssl.ENCODING_DER, for the chain objects of Python < 3.13
HandshakeFailure = Literal["expired", "not-yet-valid", "revoked", "untrusted", "bad-signature", "other"]

# OpenSSL X509_V_ERR_* codes seen when a peer certificate is refused during the handshake.
_VERIFY_CODES: dict[int, HandshakeFailure] = {
    10: "expired",  # X509_V_ERR_CERT_HAS_EXPIRED
    9: "not-yet-valid",  # X509_V_ERR_CERT_NOT_YET_VALID
    23: "revoked",  # X509_V_ERR_CERT_REVOKED
    7: "bad-signature",  # X509_V_ERR_CERT_SIGNATURE_FAILURE
    2: "untrusted",  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
    18: "untrusted",  # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    19: "untrusted",  # X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
    20: "untrusted",  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    21: "untrusted",  # X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
    24: "untrusted",  # X509_V_ERR_INVALID_CA
    26: "untrusted",  # X509_V_ERR_INVALID_PURPOSE
}


def _apply_profile(ctx: ssl.SSLContext) -> None:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2  # RFC 8996: TLS 1.0 and 1.1 are gone
    ctx.set_ciphers(HEALTH_TLS12_CIPHERS)  # TLS 1.2 suites only; TLS 1.3 keeps OpenSSL's AEAD suites
    ctx.options |= ssl.OP_NO_COMPRESSION  # CRIME
    ctx.options |= ssl.OP_NO_RENEGOTIATION  # RFC 5746 attacks and client-initiated renegotiation DoS


def _load_anchors(ctx: ssl.SSLContext, anchors: Sequence[Path]) -> None:
    for path in anchors:
        try:
            ctx.load_verify_locations(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            raise CertificateFileError(f"{Path(path).name}: unusable trust anchor file", f"{path}: {exc}") from None
    # A configured intermediate is trusted as an anchor too, as in `chain.verify_chain`.
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN


def _load_identity(ctx: ssl.SSLContext, cert_path: Path, key_path: Path) -> None:
    try:
        ctx.load_cert_chain(certfile=str(cert_path), keyfile=str(key_path))
    except (OSError, ssl.SSLError) as exc:
        raise CertificateFileError(
            f"{Path(cert_path).name}: certificate or key unusable", f"{cert_path}, {key_path}: {exc}"
        ) from None


def server_context(
    cert_path: Path,
    key_path: Path,
    *,
    client_ca_paths: Sequence[Path] = (),
    require_client_cert: bool = False,
) -> ssl.SSLContext:
    """A listener context. With `client_ca_paths`, a client certificate is requested (CERT_OPTIONAL) or required
    (CERT_REQUIRED) and verified against those anchors only. A certificate the anchors do not vouch for (unknown
    CA, expired) ends the handshake either way; see `handshake_failure` to name the reason in logs."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _apply_profile(ctx)
    ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    _load_identity(ctx, cert_path, key_path)
    if client_ca_paths:
        _load_anchors(ctx, client_ca_paths)
        ctx.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    elif require_client_cert:
        raise UsageError("requiring a client certificate needs at least one trust anchor")
    return ctx


def client_context(
    *,
    anchors: Sequence[Path],
    cert_path: Path | None = None,
    key_path: Path | None = None,
    check_hostname: bool = True,
) -> ssl.SSLContext:
    """A context for connecting to another operator (or to our own listeners in tests): the server is verified
    against `anchors` only, and our certificate (`cert_path`/`key_path`) is presented when asked."""
    if not anchors:
        raise UsageError("a TLS client needs at least one trust anchor")
    if (cert_path is None) != (key_path is None):
        raise UsageError("a client certificate needs both the certificate and its key")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _apply_profile(ctx)
    _load_anchors(ctx, anchors)
    ctx.check_hostname = check_hostname
    ctx.verify_mode = ssl.CERT_REQUIRED
    if cert_path is not None and key_path is not None:
        _load_identity(ctx, cert_path, key_path)
    return ctx


def peer_certificate(endpoint: SSLEndpoint) -> x509.Certificate | None:
    """The certificate the peer presented (parsed from DER), or None if it presented none."""
    der = endpoint.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der) if der else None


def peer_chain(endpoint: SSLEndpoint) -> list[x509.Certificate]:
    """The certificates the peer sent, leaf first (intermediates for `verify_chain`). Empty without a peer
    certificate. Falls back to the leaf alone where the interpreter cannot give the chain."""
    leaf = peer_certificate(endpoint)
    if leaf is None:
        return []
    raw = getattr(endpoint, "_sslobj", endpoint)
    getter = getattr(raw, "get_unverified_chain", None)
    try:
        sent = getter() if getter is not None else None
    except (ssl.SSLError, ValueError):
        sent = None
    if not sent:
        return [leaf]
    certs = [x509.load_der_x509_certificate(c if isinstance(c, bytes) else c.public_bytes(_ENCODING_DER)) for c in sent]
    return certs if certs[0] == leaf else [leaf, *certs]


def handshake_failure(exc: BaseException) -> HandshakeFailure | None:
    """Why OpenSSL refused the peer certificate during a handshake, or None if `exc` is not that kind of error.
    For logs and metrics: the peer has already been refused."""
    if not isinstance(exc, ssl.SSLCertVerificationError):
        return None
    return _VERIFY_CODES.get(exc.verify_code, "other")
