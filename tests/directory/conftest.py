"""Fixtures of the directory tests: real SQLite (and PostgreSQL when CADUCEE_TEST_POSTGRES_URL is set)
databases with the directory schema, extraction files in the national format, and a small PKI made with
`cryptography` (a CA, a TLS server certificate for 127.0.0.1, and S/MIME certificates for mailboxes)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from directory.extraction import HEADER_V1
from directory.models import metadata
from directory.schema import create_schema

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return NOW


def write_extraction(
    path: Path, lines: Iterable[str | bytes], *, header: str | None = HEADER_V1, newline: bytes = b"\n"
) -> Path:
    """An extraction file: header then lines, UTF-8 unless a line is given as raw bytes."""
    with path.open("wb") as out:
        if header is not None:
            out.write(header.encode("utf-8") + newline)
        for line in lines:
            out.write((line if isinstance(line, bytes) else line.encode("utf-8")) + newline)
    return path


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'directory.db'}")
    await create_schema(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    url = os.environ.get("CADUCEE_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("CADUCEE_TEST_POSTGRES_URL is not set")
    eng = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    async with eng.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    await create_schema(eng)
    yield eng
    async with eng.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    await eng.dispose()


def _real_now() -> dt.datetime:
    """Certificates meet real TLS clients (ldapsearch, openssl), which check them against the real clock."""
    return dt.datetime.now(dt.UTC)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Caducée tests"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


@dataclass
class PkiForTests:
    ca_key: rsa.RSAPrivateKey
    ca: x509.Certificate
    folder: Path

    def issue(
        self, cn: str, *, server: bool = False, email: str | None = None, days: int = 365
    ) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        key = _key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(self.ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_real_now() - dt.timedelta(days=1))
            .not_valid_after(_real_now() + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if server:
            san = [x509.DNSName("localhost"), x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        if email:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        return builder.sign(self.ca_key, hashes.SHA256()), key

    def server_files(self) -> tuple[Path, Path, Path]:
        """(certificate chain PEM, private key PEM, CA PEM) for a TLS server on 127.0.0.1."""
        cert, key = self.issue("localhost", server=True)
        chain = self.folder / "server.pem"
        chain.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM) + self.ca.public_bytes(serialization.Encoding.PEM)
        )
        key_file = self.folder / "server.key"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        ca_file = self.folder / "ca.pem"
        ca_file.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))
        return chain, key_file, ca_file


@pytest.fixture
def pki(tmp_path: Path) -> PkiForTests:
    folder = tmp_path / "pki"
    folder.mkdir()
    return make_pki(folder)


def make_pki(folder: Path) -> PkiForTests:
    key = _key()
    name = _name("Caducée test CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_real_now() - dt.timedelta(days=2))
        .not_valid_after(_real_now() + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return PkiForTests(key, ca, folder)
