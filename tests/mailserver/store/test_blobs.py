"""Blobs at rest: encrypt/decrypt round trip, tamper detection, key rotation."""

from __future__ import annotations

import hashlib
import os
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select, update

from mailserver.errors import ConfigError, IntegrityError
from mailserver.store import Store, utcnow
from mailserver.store.blobs import BlobCipher, add_key, generate_key_file
from mailserver.store.mail import NewMessage
from mailserver.store.schema import blobs

MESSAGE = b"From: a@example.test\r\nTo: b@example.test\r\nSubject: hello\r\n\r\n" + b"body line\r\n" * 200


def test_round_trip_returns_the_plaintext_and_the_blob_is_not_plaintext(blob_keys: Path) -> None:
    cipher = BlobCipher.from_file(blob_keys)
    sealed = cipher.seal(MESSAGE)
    assert b"body line" not in sealed.data and b"Subject" not in sealed.data
    assert sealed.sha256 == hashlib.sha256(MESSAGE).digest()
    assert cipher.open(sealed.data, sealed.sha256) == MESSAGE


@pytest.mark.parametrize("position", [0, 3, 10, 20, -1, -17])
def test_a_flipped_byte_anywhere_is_detected_as_tampering(blob_keys: Path, position: int) -> None:
    cipher = BlobCipher.from_file(blob_keys)
    sealed = cipher.seal(MESSAGE)
    data = bytearray(sealed.data)
    data[position] ^= 0x01
    with pytest.raises(IntegrityError) as err:
        cipher.open(bytes(data), sealed.sha256)
    assert err.value.client_text == "message unavailable"


def test_a_blob_moved_to_another_hash_row_is_refused(blob_keys: Path) -> None:
    cipher = BlobCipher.from_file(blob_keys)
    sealed = cipher.seal(MESSAGE)
    with pytest.raises(IntegrityError):
        cipher.open(sealed.data, hashlib.sha256(b"other").digest())


def _zlib_blob(cipher: BlobCipher, plaintext: bytes) -> bytes:
    """A blob as `seal` wrote them before LZ4: magic C1, zlib level 1 under the same encryption."""
    digest = hashlib.sha256(plaintext).digest()
    nonce = os.urandom(12)
    kid = cipher.current.encode()
    sealed = cipher._aead[cipher.current].encrypt(nonce, zlib.compress(plaintext, 1), digest)
    return b"C1" + bytes([len(kid)]) + kid + nonce + sealed


def test_blobs_are_sealed_with_lz4_and_zlib_blobs_written_before_still_open(blob_keys: Path) -> None:
    cipher = BlobCipher.from_file(blob_keys)
    assert cipher.seal(MESSAGE).data[:2] == b"C2"
    old = _zlib_blob(cipher, MESSAGE)
    digest = hashlib.sha256(MESSAGE).digest()
    assert cipher.open(old, digest) == MESSAGE
    # Naming the other compression fails at the tag: C2's associated data holds its magic, C1's does not, so the
    # decompressor never reads a size header it did not write.
    for forged in (b"C2" + old[2:], b"C1" + cipher.seal(MESSAGE).data[2:]):
        with pytest.raises(IntegrityError) as err:
            cipher.open(forged, digest)
        assert "InvalidTag" in err.value.log_detail


def test_rotation_keeps_old_blobs_readable_and_seals_with_the_new_key(tmp_path: Path) -> None:
    path = tmp_path / "blob.keys"
    generate_key_file(path, "k1")
    old = BlobCipher.from_file(path).seal(MESSAGE)
    add_key(path, "k2")
    cipher = BlobCipher.from_file(path)
    assert cipher.current == "k2"
    assert cipher.open(old.data, old.sha256) == MESSAGE
    assert cipher.seal(MESSAGE).key_id == "k2"


def test_key_file_errors_name_the_setting(tmp_path: Path) -> None:
    bad = tmp_path / "bad.keys"
    bad.write_text("k1:nothex\n")
    with pytest.raises(ConfigError, match=r"store\.blob_keys.*line 1"):
        BlobCipher.from_file(bad)
    with pytest.raises(ConfigError, match="not found"):
        BlobCipher.from_file(tmp_path / "missing.keys")


def test_key_file_is_private(blob_keys: Path) -> None:
    assert blob_keys.stat().st_mode & 0o077 == 0


async def test_tampered_blob_in_the_database_is_never_returned_as_mail(store: Store) -> None:
    box = await store.accounts.create_mailbox("dr.house@example.test", "PER")
    msg = NewMessage(MESSAGE, "{}", "<m1@example.test>", utcnow())
    (delivered,) = await store.mail.deliver(msg, [box.id])
    ((_uid, message_id),) = await store.mail.folder_uids(delivered.folder_id)
    assert await store.mail.read_message(message_id) == MESSAGE
    async with store.engine.begin() as conn:
        data = (await conn.execute(select(blobs.c.data))).scalar_one()
        flipped = data[:-5] + bytes([data[-5] ^ 0xFF]) + data[-4:]
        await conn.execute(update(blobs).values(data=flipped))
    with pytest.raises(IntegrityError):
        await store.mail.read_message(message_id)
