"""DKIM keys: the key file and the DNS TXT value that publishes it."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailserver.crypto.dkim_keys import dkim_dns_value, dns_txt_strings, generate_dkim_key
from mailserver.errors import AlreadyExists, UsageError
from tests.pki_fixtures import openssl


@pytest.fixture(scope="module")
def dkim_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("dkim") / "keys" / "dkim.key"
    return path, generate_dkim_key(path)


def _tags(value: str) -> dict[str, str]:
    """RFC 6376 §3.2 tag-list: `tag=value` separated by `;`, spaces around them ignored."""
    return {k.strip(): v.strip() for k, _, v in (part.partition("=") for part in value.split(";") if part.strip())}


def test_txt_value_parses_and_its_key_is_the_private_keys_public_half(dkim_key: tuple[Path, str]) -> None:
    path, value = dkim_key
    tags = _tags(value)
    assert list(tags) == ["v", "k", "p"]
    assert (tags["v"], tags["k"]) == ("DKIM1", "rsa")
    published = serialization.load_der_public_key(base64.b64decode(tags["p"], validate=True))
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(published, rsa.RSAPublicKey) and isinstance(private, rsa.RSAPrivateKey)
    assert published.public_numbers() == private.public_key().public_numbers()
    assert published.key_size == 2048


def test_openssl_derives_the_same_public_key_from_the_file(dkim_key: tuple[Path, str]) -> None:
    path, value = dkim_key
    result = openssl("pkey", "-in", path, "-pubout", "-outform", "PEM")
    assert result.returncode == 0, result.stderr
    der = base64.b64decode("".join(result.stdout.splitlines()[1:-1]))
    assert _tags(value)["p"] == base64.b64encode(der).decode()
    assert path.read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY-----")


def test_key_file_is_private(dkim_key: tuple[Path, str]) -> None:
    path, _ = dkim_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_value_is_recomputed_from_the_key_file(dkim_key: tuple[Path, str]) -> None:
    path, value = dkim_key
    assert dkim_dns_value(path.read_bytes()) == value


def test_existing_key_is_not_overwritten(dkim_key: tuple[Path, str]) -> None:
    path, _ = dkim_key
    with pytest.raises(AlreadyExists):
        generate_dkim_key(path)


def test_keys_under_1024_bits_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        generate_dkim_key(tmp_path / "weak.key", bits=512)
    assert not (tmp_path / "weak.key").exists()


def test_txt_value_is_cut_into_255_octet_strings(dkim_key: tuple[Path, str]) -> None:
    _, value = dkim_key
    parts = dns_txt_strings(value)
    assert len(parts) > 1
    assert all(len(p) <= 255 for p in parts)
    assert "".join(parts) == value
