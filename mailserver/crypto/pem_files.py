"""PEM files of certificates, chains and private keys: reading them, and writing them with safe permissions.

Owns the file-level rules: a private key is written to a temporary file created with mode 0600 and renamed into
place (it is never readable by others, even for an instant), certificates are written atomically too.
It never decides what a certificate may be used for, and never logs key material.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from mailserver.errors import CaduceeError, NotFound


class CertificateFileError(CaduceeError):
    """A certificate, CRL or key file is unreadable or holds no usable PEM/DER data."""

    exit_code = 1


class CertificateFileMissing(NotFound):
    """A certificate or key file named by the caller does not exist."""


def load_certificates(pem_bytes: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle, in file order (leaf first for a chain file). Empty when there is none."""
    if b"-----BEGIN CERTIFICATE-----" not in pem_bytes:
        return []
    return x509.load_pem_x509_certificates(pem_bytes)


def read_certificates(path: Path) -> list[x509.Certificate]:
    """The certificates of a PEM (or single DER) file; at least one, else CertificateFileError."""
    data = _read(path)
    try:
        certs = load_certificates(data) if b"-----BEGIN" in data else [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise CertificateFileError(
            f"{path.name}: not a valid certificate file", f"{path}: cannot parse certificate: {exc}"
        ) from None
    if not certs:
        raise CertificateFileError(f"{path.name}: no certificate in the file", f"{path}: no PEM certificate block")
    return certs


def read_private_key(path: Path) -> PrivateKeyTypes:
    """An unencrypted PEM private key."""
    data = _read(path)
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CertificateFileError(
            f"{path.name}: not an unencrypted PEM private key", f"{path}: cannot load private key: {exc}"
        ) from None


def private_key_pem(key: PrivateKeyTypes, *, traditional: bool = False) -> bytes:
    """Unencrypted PEM: PKCS#8 by default, or the traditional `RSA PRIVATE KEY` form older DKIM tools expect."""
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def certificate_pem(*certs: x509.Certificate) -> bytes:
    """The PEM bundle of `certs`, in the order given."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def write_secret(path: Path, data: bytes) -> None:
    """Write `data` to `path` with mode 0600 from the first byte, atomically (temporary file, then rename)."""
    _write_atomic(path, data, 0o600)


def write_public(path: Path, data: bytes) -> None:
    """Write a certificate or CRL atomically with mode 0644."""
    _write_atomic(path, data, 0o644)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp creates the file 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CertificateFileMissing(f"{path.name}: no such file", f"{path}: no such file") from None
    except OSError as exc:
        raise CertificateFileError(f"{path.name}: cannot read", f"{path}: {exc.strerror}") from None
