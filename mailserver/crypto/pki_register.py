"""The register of the development PKI (`index.json`): who the PKI belongs to, what it issued, what it revoked.

Owns the JSON form of that register and its rules: a serial is revoked at most once, CRL numbers only grow
(RFC 5280 §5.2.3). Writes atomically. Never holds key material and never signs anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from mailserver.crypto.pem_files import write_public
from mailserver.errors import CaduceeError

FORMAT_VERSION = 1


class RegisterError(CaduceeError):
    """`index.json` of a PKI is unreadable or not in the expected form."""


@dataclass(frozen=True)
class IssuedRecord:
    serial: int
    issuer: str  # "root-ca" or "org-ca"
    subject_dn: str
    file: str
    not_after: datetime


@dataclass(frozen=True)
class RevokedRecord:
    serial: int
    issuer: str
    revoked_at: datetime
    reason: x509.ReasonFlags


@dataclass
class PKIRegister:
    organisation: str
    structure_id: str
    issued: list[IssuedRecord] = field(default_factory=list)
    revoked: list[RevokedRecord] = field(default_factory=list)
    crl_numbers: dict[str, int] = field(default_factory=dict)

    def find_issued(self, serial: int) -> IssuedRecord | None:
        return next((r for r in self.issued if r.serial == serial), None)

    def is_revoked(self, serial: int) -> bool:
        return any(r.serial == serial for r in self.revoked)

    def revocations_by(self, issuer: str) -> list[RevokedRecord]:
        return [r for r in self.revoked if r.issuer == issuer]

    def next_crl_number(self, issuer: str) -> int:
        number = self.crl_numbers.get(issuer, 0) + 1
        self.crl_numbers[issuer] = number
        return number

    def save(self, path: Path) -> None:
        doc = {
            "version": FORMAT_VERSION,
            "organisation": self.organisation,
            "structure_id": self.structure_id,
            "crl_numbers": self.crl_numbers,
            "issued": [
                {
                    "serial": f"{r.serial:x}",
                    "issuer": r.issuer,
                    "subject": r.subject_dn,
                    "file": r.file,
                    "not_after": r.not_after.isoformat(),
                }
                for r in self.issued
            ],
            "revoked": [
                {
                    "serial": f"{r.serial:x}",
                    "issuer": r.issuer,
                    "revoked_at": r.revoked_at.isoformat(),
                    "reason": r.reason.value,
                }
                for r in self.revoked
            ],
        }
        write_public(path, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode())

    @classmethod
    def load(cls, path: Path) -> PKIRegister:
        try:
            doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("version") != FORMAT_VERSION:
                raise ValueError(f"unsupported version {doc.get('version')!r}")
            return cls(
                organisation=str(doc["organisation"]),
                structure_id=str(doc["structure_id"]),
                crl_numbers={str(k): int(v) for k, v in doc.get("crl_numbers", {}).items()},
                issued=[
                    IssuedRecord(
                        int(r["serial"], 16),
                        str(r["issuer"]),
                        str(r["subject"]),
                        str(r["file"]),
                        datetime.fromisoformat(r["not_after"]),
                    )
                    for r in doc.get("issued", [])
                ],
                revoked=[
                    RevokedRecord(
                        int(r["serial"], 16),
                        str(r["issuer"]),
                        datetime.fromisoformat(r["revoked_at"]),
                        x509.ReasonFlags(r["reason"]),
                    )
                    for r in doc.get("revoked", [])
                ],
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RegisterError(f"{path.name}: unreadable PKI register", f"{path}: {exc}") from None
