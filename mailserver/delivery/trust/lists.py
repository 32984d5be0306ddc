"""Importing a whitelist file and refreshing from the published URL, keeping the last good list.

Owns the guards between a document and the store: the file must parse (`whitelist`), match the published SHA-256
when a checksum URL is configured, and not be older than the list in force (a replayed or stale copy); only then
does it replace the list, in one transaction, with a compressed copy and a history row (`store.trust`). Whatever
fails, the list in force stays and the error says why. Re-importing the list in force is reported as unchanged.
Fetching is injected (`Fetch`): the default uses urllib in a worker thread, http(s) only, with a size cap.
Never decides whether a peer is trusted (see `space`).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from mailserver.delivery.trust.whitelist import WhitelistError, parse_whitelist
from mailserver.store.trust import TrustChange, TrustList, TrustStore

MAX_DOWNLOAD = 64 * 1024 * 1024  # the national file is 3.7 MB
FETCH_TIMEOUT = 60.0
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")

Fetch = Callable[[str], Awaitable[bytes]]


@dataclass(frozen=True)
class ImportOutcome:
    """`change` is None when the document was the list in force already (`unchanged`)."""

    change: TrustChange | None
    current: TrustList | None
    skipped: tuple[str, ...]
    sha256: str

    @property
    def unchanged(self) -> bool:
        return self.change is None


async def fetch_url(url: str) -> bytes:
    """GET `url` (http or https only) in a worker thread; at most MAX_DOWNLOAD bytes."""
    if not url.lower().startswith(("http://", "https://")):
        raise WhitelistError(f"only http(s) URLs can be fetched, not {url.split(':', 1)[0]!r}")
    return await asyncio.to_thread(_get, url)


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:  # noqa: S310 - scheme checked above
            data: bytes = response.read(MAX_DOWNLOAD + 1)
    except OSError as exc:
        raise WhitelistError(f"cannot fetch {url}: {exc}") from None
    if len(data) > MAX_DOWNLOAD:
        raise WhitelistError(f"{url} is larger than {MAX_DOWNLOAD} bytes; refused")
    return data


def parse_checksum(text: bytes) -> str:
    """The SHA-256 of a published checksum file: 64 hex digits, alone or followed by a file name."""
    token = text.decode("ascii", errors="replace").strip().split(maxsplit=1)
    if not token or not _SHA256.fullmatch(token[0]):
        raise WhitelistError("the checksum file does not hold a SHA-256 (64 hexadecimal digits)")
    return token[0].lower()


async def import_document(
    trust: TrustStore, data: bytes, source: str, *, expected_sha256: str | None = None, force: bool = False
) -> ImportOutcome:
    """Check `data` and make it the trust space. WhitelistError leaves the list in force untouched."""
    digest = hashlib.sha256(data).hexdigest()
    if expected_sha256 is not None and digest != expected_sha256.lower():
        raise WhitelistError(
            f"the whitelist from {source} does not match its published SHA-256 (got {digest[:16]}..., "
            f"published {expected_sha256[:16]}...); the list in force stays"
        )
    parsed = parse_whitelist(data)
    current = await trust.current()
    if current is not None and current.sha256 == digest:
        return ImportOutcome(None, current, parsed.skipped, digest)
    if current is not None and not force and parsed.generated_at < current.generated_at:
        raise WhitelistError(
            f"the whitelist from {source} was generated on {parsed.generated_at}, before the list in force "
            f"({current.generated_at}); refused (use --force to roll back on purpose)"
        )
    change = await trust.replace(
        parsed.entries, source=source, sha256=digest, generated_at=parsed.generated_at, raw=data
    )
    return ImportOutcome(change, change.list, parsed.skipped, digest)


async def import_file(trust: TrustStore, path: Path, *, force: bool = False) -> ImportOutcome:
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise WhitelistError(f"{path.name}: cannot read ({exc.strerror})", f"{path}: {exc}") from None
    return await import_document(trust, data, path.name, force=force)


async def refresh(trust: TrustStore, url: str, checksum_url: str = "", *, fetch: Fetch = fetch_url) -> ImportOutcome:
    """Fetch the whitelist from `url` (and its SHA-256 from `checksum_url` when set) and import it."""
    if not url:
        raise WhitelistError("trust.url is not set: nothing to refresh from")
    expected = parse_checksum(await fetch(checksum_url)) if checksum_url else None
    data = await fetch(url)
    return await import_document(trust, data, url, expected_sha256=expected)
