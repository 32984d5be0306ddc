"""What the delivery pipeline stages share: the store's services, the trust space, the domains, the seams to the
queue and the directory, the configuration and the clock.

Owns `DeliveryContext` (built once per process by the listeners' starter, or by webmail) and `DeliveryConfig`.
Never performs anything itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from mailserver.delivery.domains import LocalDomains
from mailserver.delivery.mailbox_cache import MailboxCache
from mailserver.delivery.outbound import DeliveryReports, OutboundQueue
from mailserver.delivery.pharmacies import NoPharmacies, Pharmacies
from mailserver.delivery.trust.space import TrustSpace
from mailserver.store import Store, utcnow
from mailserver.store.conversations import PatientThreads


@dataclass(frozen=True)
class DeliveryConfig:
    hostname: str  # our name in Received lines and generated Message-IDs
    max_message_size: int  # smtp.max_message_size


@dataclass
class DeliveryContext:
    store: Store
    trust: TrustSpace
    domains: LocalDomains
    config: DeliveryConfig
    pharmacies: Pharmacies = field(default_factory=NoPharmacies)
    outbound: OutboundQueue | None = None
    reports: DeliveryReports | None = None
    clock: Callable[[], datetime] = utcnow
    threads: PatientThreads = field(init=False)
    mailboxes: MailboxCache = field(init=False)

    def __post_init__(self) -> None:
        self.threads = PatientThreads(self.store.engine, self.clock)
        self.mailboxes = MailboxCache(self.store.accounts)
