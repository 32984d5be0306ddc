"""This operator's domains, as delivery asks about them on every RCPT: is it ours, and is it a patient domain?

Owns `LocalDomains`: a copy of the store's domains (name -> professional | patient) reloaded at most every
`recheck`, so that a domain added by `caducee` reaches running workers. Also owns how a *remote* sender's domain
is recognised as a patient domain (DOMAIN.md §6: patient addresses live in `patient.<domain>`). Never decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from mailserver.store.accounts import Accounts

PATIENT_PREFIX = "patient."


class LocalDomains:
    def __init__(
        self, accounts: Accounts, *, clock: Callable[[], datetime], recheck: timedelta = timedelta(seconds=60)
    ) -> None:
        self._accounts = accounts
        self._clock = clock
        self._recheck = recheck
        self._kinds: dict[str, str] = {}
        self._loaded: datetime | None = None
        self._lock = asyncio.Lock()

    async def kind(self, domain: str) -> str | None:
        """ "professional" or "patient" for one of our domains, None otherwise."""
        await self._fresh()
        return self._kinds.get(domain.strip().rstrip(".").lower())

    async def is_patient_domain(self, domain: str) -> bool:
        """Ours and of kind patient, or another operator's `patient.` domain."""
        kind = await self.kind(domain)
        if kind is not None:
            return kind == "patient"
        return domain.lower().startswith(PATIENT_PREFIX)

    async def _fresh(self) -> None:
        if self._loaded is not None and self._clock() - self._loaded < self._recheck:
            return
        async with self._lock:
            if self._loaded is not None and self._clock() - self._loaded < self._recheck:
                return
            self._kinds = {d.name: d.kind for d in await self._accounts.list_domains()}
            self._loaded = self._clock()
