"""Is the server we reached, after the TLS handshake, an operator allowed to receive for the recipient domain?

Owns the checks the sending client makes on a peer that the handshake already chained to `trust.anchors`: its
subject DN (normalised, `mailserver.crypto.names`) must be one the trust space lists for the recipient domain,
and, when CRLs are configured, no certificate of its path may be revoked or of unknown status. The trust space
comes through the `OperatorDns` Protocol (the trust store of `mailserver.store.trust`, adapted by the runtime).
Never opens connections; answers a reason for the log, or None when the peer passes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cryptography import x509

from mailserver.crypto.names import normalise_dn, subject_dn_string
from mailserver.crypto.tls import RevocationChecker, verify_chain


class OperatorDns(Protocol):
    async def operator_dns(self, domain: str) -> Collection[str]:
        """The certificate subject DNs (any spelling) allowed for `domain`; empty outside the trust space."""


@dataclass(frozen=True)
class StaticOperatorDns:
    """A fixed table domain -> DNs (tests; the runtime's fallback when no trust store is there)."""

    table: dict[str, tuple[str, ...]]

    async def operator_dns(self, domain: str) -> Collection[str]:
        return self.table.get(domain.lower(), ())


@dataclass
class PeerCheck:
    trust: OperatorDns
    anchors: Sequence[x509.Certificate]
    clock: Callable[[], datetime]
    revocation: RevocationChecker | None = None

    async def refuse_reason(self, domain: str, chain: Sequence[x509.Certificate]) -> str | None:
        """None when the peer (leaf first in `chain`) may receive mail for `domain`, else why not."""
        if not chain:
            return "the server presented no certificate"
        leaf = chain[0]
        dn = subject_dn_string(leaf)
        allowed = {normalise_dn(d) for d in await self.trust.operator_dns(domain)}
        if not allowed:
            return f"{domain} is not in the trust space"
        if normalise_dn(dn) not in allowed:
            return f"server certificate {dn} is not listed for {domain}"
        if self.revocation is not None:
            verified = verify_chain(leaf, list(chain[1:]), self.anchors, self.clock())
            if not verified.ok:
                return f"server certificate refused: {verified.reason}"
            status = self.revocation.chain_status(verified.chain)
            if status != "good":
                return f"server certificate revocation status is {status}"
        return None
