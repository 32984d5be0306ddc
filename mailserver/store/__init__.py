"""The only place with SQL: accounts, folders, messages, blobs and the audit trace.

Its public API (`Store` and the modules' classes) returns plain dataclasses from `records`. SQLite and
PostgreSQL differences stay inside this package. Never import a protocol or a service from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from mailserver.store.accounts import Accounts
from mailserver.store.audit import AuditTrail
from mailserver.store.blobs import BlobCipher
from mailserver.store.engine import create_engine
from mailserver.store.mail import MailStore


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Store:
    """The store's services over one engine. Build it with `Store.build`; close it with `close`."""

    engine: AsyncEngine
    accounts: Accounts
    mail: MailStore
    audit: AuditTrail

    @classmethod
    def build(cls, engine: AsyncEngine, cipher: BlobCipher, clock: Callable[[], datetime] = utcnow) -> Store:
        return cls(engine, Accounts(engine, clock), MailStore(engine, cipher, clock), AuditTrail(engine, clock))

    @classmethod
    def open(
        cls,
        url: str,
        keys_file: Path,
        base_dir: str | Path = ".",
        *,
        pool_size: int = 10,
        clock: Callable[[], datetime] = utcnow,
    ) -> Store:
        return cls.build(create_engine(url, base_dir, pool_size=pool_size), BlobCipher.from_file(keys_file), clock)

    async def close(self) -> None:
        await self.mail.aclose()
        await self.engine.dispose()


__all__ = ["Store", "utcnow"]
