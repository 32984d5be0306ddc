"""Where a recipient domain's mail goes: pinned routes from the configuration, else its MX records.

Owns next-hop selection (RFC 5321 §5.1): `queue.routes` pins a domain to `host:port`; otherwise the MX records
in preference order (equal preferences shuffled by the injected randomness), the domain itself when it has no MX
(implicit MX), and a permanent failure for a null MX (RFC 7505) or a domain that does not exist. DNS goes through
an injected `MxResolver`; `DnsMxResolver` asks real DNS (dnspython) and is never used by tests.
Never opens SMTP connections and never decides whether a peer is trusted (see `client`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

SMTP_PORT = 25


@dataclass(frozen=True)
class NextHop:
    host: str
    port: int = SMTP_PORT

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class NoRoute(Exception):
    """The domain has no next hop. `permanent` when DNS said so (NXDOMAIN, null MX); else try later."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MxResolver(Protocol):
    async def mx(self, domain: str) -> list[tuple[int, str]]:
        """(preference, exchange) pairs; [] when the domain exists without MX. Raises NoRoute otherwise."""


@dataclass(frozen=True)
class StaticResolver:
    """A resolver from a table (tests, and sites without DNS): domain -> [(preference, exchange)]."""

    table: Mapping[str, list[tuple[int, str]]]

    async def mx(self, domain: str) -> list[tuple[int, str]]:
        if domain not in self.table:
            raise NoRoute(f"{domain}: no such domain", permanent=True)
        return list(self.table[domain])


class DnsMxResolver:
    """MX lookups in the real DNS (dnspython's asyncio resolver)."""

    def __init__(self, timeout: float = 10.0) -> None:
        import dns.asyncresolver

        self._resolver = dns.asyncresolver.Resolver()
        self._resolver.lifetime = timeout

    async def mx(self, domain: str) -> list[tuple[int, str]]:
        import dns.exception
        import dns.resolver

        try:
            answer = await self._resolver.resolve(domain, "MX")
        except dns.resolver.NXDOMAIN:
            raise NoRoute(f"{domain}: no such domain", permanent=True) from None
        except dns.resolver.NoAnswer:
            return []
        except (dns.resolver.NoNameservers, dns.exception.Timeout) as exc:
            raise NoRoute(f"{domain}: DNS lookup failed ({type(exc).__name__})", permanent=False) from None
        return [(int(r.preference), r.exchange.to_text(omit_final_dot=True)) for r in answer]


class Router:
    def __init__(self, routes: Mapping[str, str], resolver: MxResolver, rng: random.Random | None = None) -> None:
        self._routes = {domain.lower().rstrip("."): parse_hop(hop) for domain, hop in routes.items()}
        self._resolver = resolver
        self._rng = rng or random.Random()  # noqa: S311 - spreading load over equal MX, not security

    async def hops(self, domain: str) -> list[NextHop]:
        """The next hops to try in order. Raises NoRoute."""
        domain = domain.lower().rstrip(".")
        pinned = self._routes.get(domain)
        if pinned is not None:
            return [pinned]
        records = await self._resolver.mx(domain)
        if not records:
            return [NextHop(domain)]  # RFC 5321 §5.1: implicit MX
        if len(records) == 1 and records[0][1].rstrip(".") in ("", "@"):
            raise NoRoute(f"{domain} accepts no mail (null MX)", permanent=True)  # RFC 7505 §3
        ordered = sorted(records, key=lambda r: (r[0], self._rng.random()))
        hosts = list(dict.fromkeys(exchange.rstrip(".").lower() for _, exchange in ordered if exchange.rstrip(".")))
        return [NextHop(host) for host in hosts]


def parse_hop(text: str) -> NextHop:
    """`host:port`, `[ipv6]:port` or `host` (port 25)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return NextHop(host, int(rest.lstrip(":") or SMTP_PORT))
    host, sep, port = text.rpartition(":")
    if sep and port.isdigit():
        return NextHop(host, int(port))
    return NextHop(text)
