"""The trust space as the MX asks it: which certificate DNs may send for a domain, from a copy held in memory.

Owns `TrustSpace`: it loads every whitelist entry from the store into a map (domain -> DN keys), and reloads it
when the store's list changes (checked at most every `recheck` seconds, so that every node follows an import
within that delay). This operator's own domains are always trusted for its own certificate, whatever the list
says. Never parses XML, never fetches, never decides (policies do, with these facts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from mailserver.store.trust import TrustStore


class TrustSpace:
    def __init__(
        self,
        store: TrustStore,
        own_domains: Iterable[str],
        own_dn_key: str | None,
        *,
        clock: Callable[[], datetime],
        recheck: timedelta = timedelta(seconds=30),
    ) -> None:
        self._store = store
        self._own_domains = frozenset(d.lower() for d in own_domains if d)
        self._own_dn_key = own_dn_key
        self._clock = clock
        self._recheck = recheck
        self._version = -1
        self._checked: datetime | None = None
        self._by_domain: dict[str, frozenset[str]] = {}
        self._all_keys: frozenset[str] = frozenset()
        self._lock = asyncio.Lock()

    async def dn_keys(self, domain: str) -> frozenset[str]:
        """The normalised DNs that may send for `domain` (empty when the domain is not in the trust space)."""
        await self._fresh()
        domain = domain.strip().rstrip(".").lower()
        keys = self._by_domain.get(domain, frozenset())
        if domain in self._own_domains and self._own_dn_key:
            keys = keys | {self._own_dn_key}
        return keys

    async def is_listed(self, domain: str) -> bool:
        return bool(await self.dn_keys(domain))

    async def knows_dn(self, dn_key: str) -> bool:
        """Whether `dn_key` is listed for any domain (the null reverse path of DSNs names no domain)."""
        await self._fresh()
        return dn_key in self._all_keys or (bool(self._own_dn_key) and dn_key == self._own_dn_key)

    async def _fresh(self) -> None:
        now = self._clock()
        if self._checked is not None and now - self._checked < self._recheck:
            return
        async with self._lock:
            if self._checked is not None and self._clock() - self._checked < self._recheck:
                return  # another session reloaded while we waited
            version = await self._store.version()
            if version != self._version:
                by_domain: dict[str, set[str]] = {}
                for entry in await self._store.entries():
                    by_domain.setdefault(entry.domain, set()).add(entry.dn_key)
                self._by_domain = {d: frozenset(k) for d, k in by_domain.items()}
                self._all_keys = frozenset(k for keys in by_domain.values() for k in keys)
                self._version = version
            self._checked = self._clock()
