"""Rule: where may a recipient's mail go from this door? (DOMAIN.md §1: never relay outside the trust space)

Owns the routing verdict for one recipient. On the MX (other operators' door) only local domains are accepted:
anything else is `550 5.7.1`, whatever the peer (no relaying, ever). On submission (our authenticated users),
local domains are delivered here and domains of the trust space are queued for their operator (a temporary
`451 4.4.0` when this process has no queue); any other domain is refused. Never looks a mailbox up (see
`local_recipient` and the patient rules).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from policies.decision import ACCEPT, Decision, defer, reject

RELAY_DENIED = reject(550, "5.7.1", "Relaying denied")
OUTSIDE_TRUST_SPACE = reject(550, "5.7.1", "Recipient domain is outside the MSSante trust space")
QUEUE_UNAVAILABLE = defer(451, "4.4.0", "Delivery to other operators is unavailable, try again later")

Door = Literal["mx", "submission"]


@dataclass(frozen=True)
class RelayFacts:
    door: Door
    recipient_domain: str
    domain_is_local: bool  # one of this operator's domains (professional or patient)
    domain_is_trusted: bool  # on the whitelist (another operator of the trust space)
    queue_available: bool = True  # this process can queue mail for other operators


def decide(facts: RelayFacts) -> Decision:
    if facts.domain_is_local:
        return ACCEPT
    if facts.door == "mx":
        return replace(RELAY_DENIED, log_detail=f"MX recipient in {facts.recipient_domain}, not a local domain")
    if facts.domain_is_trusted:
        return ACCEPT if facts.queue_available else QUEUE_UNAVAILABLE
    return replace(OUTSIDE_TRUST_SPACE, log_detail=f"submission to {facts.recipient_domain}, not on the whitelist")
