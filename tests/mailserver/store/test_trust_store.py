"""The trust-space tables: a whole list replaces the previous one and the change is reported; copies are kept."""

from __future__ import annotations

from mailserver.store import Store, utcnow
from mailserver.store.trust import RAW_COPIES, TrustEntry, TrustStore


def _entry(domain: str, dn: str) -> TrustEntry:
    return TrustEntry(domain, dn, dn.lower().replace(" ", ""), "desc", "2025-03-13T00:00:00Z")


async def test_replace_reports_added_and_removed_domains_and_entries(store: Store) -> None:
    trust = TrustStore(store.engine, utcnow)
    first = await trust.replace(
        [_entry("a.test", "CN=mx.a,O=A,C=FR"), _entry("b.test", "CN=mx.b,O=B,C=FR")],
        source="one.xml",
        sha256="1" * 64,
        generated_at="2025-03-13T14:54:10Z",
        raw=b"<one/>",
    )
    assert first.added_domains == ("a.test", "b.test") and first.removed_domains == ()
    second = await trust.replace(
        [_entry("b.test", "CN=mx.b,O=B,C=FR"), _entry("b.test", "CN=mx2.b,O=B,C=FR"), _entry("c.test", "CN=c")],
        source="two.xml",
        sha256="2" * 64,
        generated_at="2025-03-14T14:54:10Z",
        raw=b"<two/>",
    )
    assert second.added_domains == ("c.test",) and second.removed_domains == ("a.test",)
    assert second.added_entries == (("b.test", "CN=mx2.b,O=B,C=FR"), ("c.test", "CN=c"))
    assert second.removed_entries == (("a.test", "CN=mx.a,O=A,C=FR"),)
    assert (second.list.entries, second.list.domains) == (3, 2)
    assert [e.dn for e in await trust.entries("B.TEST")] == ["CN=mx.b,O=B,C=FR", "CN=mx2.b,O=B,C=FR"]
    assert await trust.copy() == b"<two/>"
    assert await trust.copy(first.list.id) == b"<one/>"
    assert [h.source for h in await trust.history()] == ["two.xml", "one.xml"]
    assert await trust.version() == second.list.id


async def test_duplicate_pairs_are_kept_once(store: Store) -> None:
    trust = TrustStore(store.engine, utcnow)
    change = await trust.replace(
        [_entry("a.test", "CN=x"), _entry("A.test", "CN=x")], source="f", sha256="0" * 64, generated_at="", raw=b""
    )
    assert change.list.entries == 1


async def test_only_the_newest_copies_are_kept(store: Store) -> None:
    trust = TrustStore(store.engine, utcnow)
    for i in range(RAW_COPIES + 2):
        await trust.replace([_entry("a.test", "CN=x")], source=f"{i}", sha256="0" * 64, generated_at="", raw=b"x")
    history = await trust.history(50)
    assert [h.has_copy for h in history] == [True] * RAW_COPIES + [False, False]
