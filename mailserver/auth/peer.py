"""Verifying a client certificate presented in TLS: chain to our trust anchors, then revocation (DOMAIN.md §1).

Owns `CertificateVerifier.classify`: the states the MX audit distinguishes (absent, expired, not yet valid,
untrusted, bad signature, revoked, revocation unknown, good), with the subject DN in the whitelist form and its
comparison key. Paths are validated by `crypto.chain.verify_chain` against the configured anchors only (never the
system store); revocation by `crypto.revocation.RevocationChecker` from the configured CRLs (files, or http(s)
URLs fetched by `refresh_crls`), keeping the last valid CRL of each issuer. The anchors should include the
intermediate CAs that issue operator certificates: each CA of a path below its anchor needs a CRL.
Never decides what a verified certificate may do (policies and the authenticator do).
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from mailserver.crypto.chain import verify_chain
from mailserver.crypto.names import normalise_dn, subject_dn_string
from mailserver.crypto.pem_files import read_certificates
from mailserver.crypto.revocation import RevocationChecker

CRL_FETCH_TIMEOUT = 20.0
MAX_CRL = 32 * 1024 * 1024


@dataclass(frozen=True)
class CertificateVerdict:
    """`status` uses the names of `policies.peer_certificate`. `detail` is for logs."""

    status: str
    subject_dn: str = ""
    dn_key: str = ""
    leaf: x509.Certificate | None = None
    detail: str = ""

    @property
    def good(self) -> bool:
        return self.status == "good"


ABSENT = CertificateVerdict("absent", detail="no client certificate")


class CertificateVerifier:
    def __init__(
        self,
        anchors: Sequence[x509.Certificate],
        revocation: RevocationChecker,
        *,
        clock: Callable[[], datetime],
        crl_urls: Sequence[str] = (),
    ) -> None:
        self._anchors = list(anchors)
        self._revocation = revocation
        self._clock = clock
        self._crl_urls = list(crl_urls)

    @classmethod
    def from_files(
        cls, anchor_paths: Sequence[Path], crl_sources: Sequence[str], *, clock: Callable[[], datetime]
    ) -> CertificateVerifier:
        """Anchors from PEM files; CRL sources are file paths or http(s) URLs (URLs wait for `refresh_crls`)."""
        anchors = [c for p in anchor_paths for c in read_certificates(Path(p))]
        urls = [s for s in crl_sources if s.lower().startswith(("http://", "https://"))]
        files = [Path(s) for s in crl_sources if s not in urls]
        checker = RevocationChecker(anchors, files, clock=clock)
        checker.reload()
        return cls(anchors, checker, clock=clock, crl_urls=urls)

    def classify(self, chain: Sequence[x509.Certificate]) -> CertificateVerdict:
        """The verdict on a peer's chain as sent (leaf first); an empty chain is ABSENT."""
        if not chain:
            return ABSENT
        leaf, intermediates = chain[0], list(chain[1:])
        dn = subject_dn_string(leaf)
        key = normalise_dn(dn)
        result = verify_chain(
            leaf, intermediates, self._anchors, self._clock(), purpose=ExtendedKeyUsageOID.CLIENT_AUTH
        )
        if not result.ok:
            return CertificateVerdict(result.status, dn, key, leaf, result.reason)
        revocation = self._revocation.chain_status(result.chain)
        status = {"good": "good", "revoked": "revoked"}.get(revocation, "revocation-unknown")
        return CertificateVerdict(status, dn, key, leaf, f"{result.reason}; revocation {revocation}")

    async def refresh_crls(self) -> list[str]:
        """Read the CRL files again and fetch the CRL URLs; returns problems for the log (the held CRLs stay)."""
        problems = await asyncio.to_thread(self._revocation.reload)
        for url in self._crl_urls:
            try:
                data = await asyncio.to_thread(_download, url)
            except (OSError, ValueError) as exc:
                problems.append(f"{url}: cannot fetch ({exc}); keeping the CRL held")
                continue
            problems.extend(self._revocation.offer(data, url))
        return problems


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=CRL_FETCH_TIMEOUT) as response:  # noqa: S310 - http(s) only
        data: bytes = response.read(MAX_CRL + 1)
    if len(data) > MAX_CRL:
        raise ValueError("CRL too large")
    return data
