"""The MX's view of the trust space: a copy in memory that follows imports, and our own domains for our DN."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailserver.crypto.names import normalise_dn
from mailserver.delivery.trust.space import TrustSpace
from mailserver.store import Store
from mailserver.store.trust import TrustStore
from tests.servers import trust


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_the_copy_follows_an_import_after_the_recheck_delay(store: Store) -> None:
    clock = Clock()
    space = TrustSpace(TrustStore(store.engine, clock), [], None, clock=clock, recheck=timedelta(seconds=30))
    await trust(store, [("A.test", "CN=mx.a, O=A, C=FR")])
    assert await space.dn_keys("a.TEST") == {normalise_dn("C=FR,O=A,CN=mx.a")}
    await trust(store, [("b.test", "CN=mx.b,O=B,C=FR")])
    assert await space.is_listed("a.test")  # the copy is kept until the next check
    clock.now += timedelta(seconds=31)
    assert not await space.is_listed("a.test") and await space.is_listed("b.test")
    assert await space.knows_dn(normalise_dn("CN=mx.b,O=B,C=FR"))


async def test_our_own_domains_are_trusted_for_our_own_certificate(store: Store) -> None:
    own = normalise_dn("CN=mail.example.test,O=Us,C=FR")
    space = TrustSpace(TrustStore(store.engine, Clock()), ["example.test"], own, clock=Clock())
    assert await space.dn_keys("example.test") == {own}
    assert await space.knows_dn(own) and not await space.is_listed("other.test")
