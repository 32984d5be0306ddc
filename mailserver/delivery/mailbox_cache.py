"""Recently seen local mailboxes, so that RCPT does not ask the database for every recipient.

Owns a short-lived cache of *active professional* mailboxes only (PER, ORG, APP, CAB). A miss, a patient mailbox
or a disabled mailbox is always read from the store: a new mailbox is found at once, and a patient's opposition or
closure applies to the next message. A mailbox disabled by an administrator may still receive mail for at most
`ttl` seconds. Measured: the RCPT lookup through the store was about 11% of the MX's time per message.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from mailserver.store.accounts import Accounts
from mailserver.store.records import PROFESSIONAL_TYPES, Mailbox


class MailboxCache:
    def __init__(
        self, accounts: Accounts, *, ttl: float = 5.0, size: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._accounts = accounts
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._entries: dict[str, tuple[float, Mailbox]] = {}

    async def get(self, address: str) -> Mailbox | None:
        key = address.strip().lower()
        now = self._clock()
        hit = self._entries.get(key)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        box = await self._accounts.get_mailbox(key)
        if box is not None and box.status == "active" and box.type in PROFESSIONAL_TYPES:
            if len(self._entries) >= self._size:
                self._entries.clear()  # bounded memory; refilled by the next lookups
            self._entries[key] = (now, box)
        else:
            self._entries.pop(key, None)
        return box
