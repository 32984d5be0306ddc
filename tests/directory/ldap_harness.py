"""Runs the LDAP address book in its own process for the ldapsearch tests.

Twisted's reactor is installed once per process and bound to one asyncio loop, while pytest-asyncio gives each
test a new loop, so the server under test runs here: one loop, the asyncio reactor installed first (as the
runtime does), the real `start_ldap_server`, a real SQLite database, and a real credential verifier over a
small table of scrypt hashes. It prints the bound ports as one JSON line and serves until stdin closes.

Usage: python ldap_harness.py DB CERT KEY BASE_DN ANONYMOUS(0|1)
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def password_hash(password: str, salt: bytes) -> str:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**10, r=8, p=1).hex()


async def create_credentials(engine: AsyncEngine, rows: dict[str, str]) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS test_credentials (address TEXT PRIMARY KEY, hash TEXT)"))
        for address, password in rows.items():
            await conn.execute(
                text("INSERT INTO test_credentials VALUES (:a, :h)"),
                {"a": address, "h": password_hash(password, address.encode())},
            )


def verifier(engine: AsyncEngine):
    async def verify(address: str, password: str) -> bool:
        async with engine.connect() as conn:
            row = (
                await conn.execute(text("SELECT hash FROM test_credentials WHERE address = :a"), {"a": address})
            ).first()
        return row is not None and hmac.compare_digest(row[0], password_hash(password, address.encode()))

    return verify


async def serve(db: str, cert: str, key: str, base_dn: str, anonymous: bool) -> None:
    from directory.ldap.listener import TlsFiles, start_ldap_server

    engine = create_async_engine(f"sqlite+aiosqlite:///{db}")
    listeners = await start_ldap_server(
        engine,
        base_dn=base_dn,
        tls=TlsFiles(Path(cert), Path(key)),
        verify_credentials=verifier(engine),
        ldaps="127.0.0.1:0",
        ldap="127.0.0.1:0",
        anonymous_bind=anonymous,
        size_limit=50,
        time_limit=5,
    )
    print(json.dumps(listeners.ports), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the test closes our stdin
    await listeners.stop()
    await engine.dispose()


def main() -> None:
    from twisted.internet import asyncioreactor

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    asyncioreactor.install(loop)  # DESIGN.md §4: first, before anything imports the reactor
    db, cert, key, base_dn, anonymous = sys.argv[1:6]
    loop.run_until_complete(serve(db, cert, key, base_dn, anonymous == "1"))


if __name__ == "__main__":
    main()
