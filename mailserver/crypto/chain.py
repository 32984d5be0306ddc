"""Certificate path validation against configured trust anchors, with a classification of every failure.

Owns `verify_chain`: the decision comes from `cryptography.x509.verification` (path building, signatures,
validity of every certificate, CA basic constraints, path length and name constraints, RFC 5280 §6), run with the
CA extension policy of the Web PKI profile and no end-entity constraints beyond an optional extended key usage.
When it refuses, our own walk of the path says why, in the terms the SMTP MX needs: expired, not yet valid,
untrusted (no path to an anchor, or a CA that may not issue) or bad signature. Never consults the system trust
store, never checks revocation (see `revocation`), and never raises for a bad peer certificate: it answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError

from mailserver.crypto.names import name_dn_string

ChainStatus = Literal["ok", "expired", "not-yet-valid", "untrusted", "bad-signature"]
MAX_DEPTH = 8  # leaf, intermediates and anchor: IGC-Santé paths have three or four certificates


@dataclass(frozen=True)
class ChainResult:
    """The outcome. `chain` runs from the leaf to the anchor when `status` is "ok"; otherwise it is the part of
    the path found (possibly just the leaf). `reason` is for logs: it names certificates, never keys."""

    status: ChainStatus
    reason: str
    chain: tuple[x509.Certificate, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    now: datetime,
    *,
    purpose: x509.ObjectIdentifier | None = None,
) -> ChainResult:
    """Validate `leaf` up to one of `anchors` at time `now`, using `intermediates` as untrusted path material.

    `purpose` (e.g. ExtendedKeyUsageOID.CLIENT_AUTH or EMAIL_PROTECTION), when given, must be allowed by the leaf's
    extended key usage (a leaf without that extension allows every purpose, RFC 5280 §4.2.1.12).
    """
    moment = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    if not anchors:
        return ChainResult("untrusted", "no trust anchor is configured", (leaf,))
    critical = _unknown_critical_extension(leaf)
    if critical is not None:
        return ChainResult("untrusted", f"unsupported critical extension {critical} in the leaf", (leaf,))
    builder = (
        PolicyBuilder()
        .store(Store(list(anchors)))
        .time(moment)
        .max_chain_depth(MAX_DEPTH)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all())
    )
    try:
        verified = builder.build_client_verifier().verify(leaf, list(intermediates))
    except VerificationError as exc:
        return explain_failure(leaf, intermediates, anchors, moment, str(exc))
    chain = tuple(verified.chain)
    if purpose is not None and not _allows(leaf, purpose):
        return ChainResult("untrusted", f"the leaf is not allowed for {purpose.dotted_string}", chain)
    return ChainResult("ok", f"chains to {name_dn_string(chain[-1].subject)}", chain)


def explain_failure(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    now: datetime,
    verifier_message: str,
) -> ChainResult:
    """Why a path that the verifier refused fails: walk issuer names and signatures up to an anchor, then look at
    validity periods. Trust problems come first: an expired certificate from an unknown CA is "untrusted"."""
    anchor_set = {_fingerprint(a) for a in anchors}
    pool = [*intermediates, *anchors]
    path = [leaf]
    current = leaf
    while _fingerprint(current) not in anchor_set:
        if len(path) > MAX_DEPTH:
            return ChainResult("untrusted", "the path is too long", tuple(path))
        named = [c for c in pool if c.subject == current.issuer and c not in path]
        if not named:
            return ChainResult(
                "untrusted", f"no trusted issuer {name_dn_string(current.issuer)} for the certificate", tuple(path)
            )
        issuer = next((c for c in named if _signed_by(current, c)), None)
        if issuer is None:
            return ChainResult(
                "bad-signature",
                f"{name_dn_string(current.subject)} is not signed by {name_dn_string(current.issuer)}",
                tuple(path),
            )
        path.append(issuer)
        current = issuer
    for cert in path:
        if now > cert.not_valid_after_utc:
            return ChainResult(
                "expired", f"{name_dn_string(cert.subject)} expired on {cert.not_valid_after_utc:%Y-%m-%d}", tuple(path)
            )
        if now < cert.not_valid_before_utc:
            return ChainResult(
                "not-yet-valid",
                f"{name_dn_string(cert.subject)} is valid from {cert.not_valid_before_utc:%Y-%m-%d}",
                tuple(path),
            )
    return ChainResult("untrusted", f"path refused: {verifier_message}", tuple(path))


def _fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _allows(leaf: x509.Certificate, purpose: x509.ObjectIdentifier) -> bool:
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return purpose in eku or x509.oid.ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in eku


def _unknown_critical_extension(cert: x509.Certificate) -> str | None:
    """RFC 5280 §4.2: a certificate with a critical extension we do not understand must be rejected."""
    for ext in cert.extensions:
        if ext.critical and isinstance(ext.value, x509.UnrecognizedExtension):
            return str(ext.oid.dotted_string)
    return None
