"""Importing and refreshing the whitelist into the store: complete, checked against the published SHA-256,
never replaced by a malformed, truncated, mismatched or older file, with history and copies kept."""

from __future__ import annotations

import hashlib

import pytest

from mailserver.delivery.trust import lists
from mailserver.delivery.trust.whitelist import WhitelistError
from mailserver.store import Store, utcnow
from mailserver.store.trust import TrustStore
from tests.mailserver.delivery.trust.conftest import FileServer
from tests.mailserver.delivery.trust.test_whitelist import FULL, REAL, TRIMMED
from tests.servers import whitelist_xml

CHECKSUM = REAL / "listeblanchemssante-2025-03-14.checksum"


async def test_the_real_full_file_is_imported_completely(store: Store) -> None:
    trust = TrustStore(store.engine, utcnow)
    outcome = await lists.import_file(trust, FULL)
    assert outcome.change is not None and outcome.change.list.entries == len(await trust.entries())
    assert outcome.change.list.entries == 6525  # distinct (domain, DN) pairs of the 6,553 usable entries
    assert len(outcome.skipped) == 1
    again = await lists.import_file(trust, FULL)
    assert again.unchanged and await trust.copy() == FULL.read_bytes()


async def test_refresh_checks_the_published_sha256_and_reports_what_changed(
    store: Store, file_server: FileServer
) -> None:
    trust = TrustStore(store.engine, utcnow)
    await lists.import_document(trust, whitelist_xml([("old.test", "CN=old")], "2025-01-01T00:00:00Z"), "seed")
    url = file_server.put("liste.xml", TRIMMED.read_bytes())
    checksum_url = file_server.put("liste.checksum", CHECKSUM.read_bytes())  # the real published checksum
    outcome = await lists.refresh(trust, url, checksum_url)
    assert outcome.change is not None
    assert outcome.change.removed_domains == ("old.test",)
    assert len(outcome.change.added_domains) == 516 and outcome.change.list.source == url
    assert outcome.sha256 == CHECKSUM.read_text().strip()


@pytest.mark.parametrize("damage", ["truncated", "mismatch"])
async def test_a_file_that_does_not_match_its_checksum_never_replaces_the_list(
    store: Store, file_server: FileServer, damage: str
) -> None:
    trust = TrustStore(store.engine, utcnow)
    await lists.import_file(trust, TRIMMED)
    before = await trust.current()
    data = TRIMMED.read_bytes()
    served = data[: len(data) // 2] if damage == "truncated" else data.replace(b"BREST", b"BRESS", 1)
    url = file_server.put("liste.xml", served)
    checksum_url = file_server.put("liste.checksum", CHECKSUM.read_bytes())
    with pytest.raises(WhitelistError, match="does not match its published SHA-256"):
        await lists.refresh(trust, url, checksum_url)
    assert await trust.current() == before and len(await trust.entries()) == 614


async def test_without_a_checksum_a_malformed_or_truncated_file_still_never_replaces_the_list(
    store: Store, file_server: FileServer
) -> None:
    trust = TrustStore(store.engine, utcnow)
    await lists.import_file(trust, TRIMMED)
    data = TRIMMED.read_bytes()
    for served in (data[: len(data) - 200], b"<html>Service unavailable</html>", b""):
        with pytest.raises(WhitelistError):
            await lists.refresh(trust, file_server.put("liste.xml", served))
    assert len(await trust.entries()) == 614 and len(await trust.history()) == 1


async def test_an_older_list_is_refused_unless_forced(store: Store) -> None:
    trust = TrustStore(store.engine, utcnow)
    await lists.import_document(trust, whitelist_xml([("a.test", "CN=a")], "2025-03-13T00:00:00Z"), "new")
    older = whitelist_xml([("b.test", "CN=b")], "2025-01-01T00:00:00Z")
    with pytest.raises(WhitelistError, match="before the list in force"):
        await lists.import_document(trust, older, "old")
    outcome = await lists.import_document(trust, older, "old", force=True)
    assert outcome.change is not None and outcome.change.added_domains == ("b.test",)


async def test_only_http_urls_are_fetched_and_a_missing_file_is_an_error(store: Store, file_server: FileServer) -> None:
    trust = TrustStore(store.engine, utcnow)
    with pytest.raises(WhitelistError, match="only http"):
        await lists.refresh(trust, f"file://{TRIMMED}")
    with pytest.raises(WhitelistError, match="cannot fetch"):
        await lists.refresh(trust, file_server.url("absent.xml"))


def test_checksum_files_hold_a_sha256_alone_or_with_a_name() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    assert lists.parse_checksum(digest.encode()) == digest
    assert lists.parse_checksum(f"{digest.upper()}  liste.xml\n".encode()) == digest
    with pytest.raises(WhitelistError):
        lists.parse_checksum(b"<html>404</html>")
