"""DKIM signing keys: generating them and the DNS TXT value that publishes their public half.

Owns the key file (RSA, traditional PEM `RSA PRIVATE KEY` as DKIM tools expect, mode 0600) and the record value
`v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo DER>` (RFC 6376 §3.6.1). It never signs mail (the signer is
elsewhere), never overwrites a key unless told to (a published selector would stop verifying), and never prints
private key material.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailserver.crypto.pem_files import CertificateFileError, private_key_pem, write_secret
from mailserver.errors import AlreadyExists, UsageError

MIN_BITS = 1024  # RFC 8301 §3.2: signers MUST use at least 1024 bits
TXT_CHUNK = 255  # RFC 1035 §3.3.14: one character-string holds at most 255 octets


def generate_dkim_key(path: Path, bits: int = 2048, *, replace: bool = False) -> str:
    """Write a new RSA key to `path` (0600) and return its DNS TXT value. RFC 8301 §3.2 recommends 2048 bits."""
    if bits < MIN_BITS:
        raise UsageError(f"a DKIM key needs at least {MIN_BITS} bits (RFC 8301), not {bits}")
    path = Path(path)
    if path.exists() and not replace:
        raise AlreadyExists(f"{path.name} exists already (a new key needs a new selector)", f"{path}: exists")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = private_key_pem(key, traditional=True)
    write_secret(path, pem)
    return dkim_dns_value(pem)


def dkim_dns_value(private_key_pem: bytes) -> str:
    """The TXT value for the public half of a PEM RSA private key: `v=DKIM1; k=rsa; p=...`."""
    try:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise CertificateFileError("not an unencrypted PEM private key", f"DKIM key: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise UsageError("a DKIM key must be RSA (k=rsa)")
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )  # RFC 6376 §3.6.1: p= is the base64 of the DER SubjectPublicKeyInfo
    return f"v=DKIM1; k=rsa; p={base64.b64encode(spki).decode('ascii')}"


def dns_txt_strings(value: str) -> list[str]:
    """`value` cut into the 255-octet character-strings of one TXT record, for zone files."""
    return [value[i : i + TXT_CHUNK] for i in range(0, len(value), TXT_CHUNK)]
