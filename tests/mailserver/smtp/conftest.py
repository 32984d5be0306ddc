"""SMTP test fixtures: the session PKIs, and a running instance with a whitelisted partner operator.

`partner.test` is another operator of the trust space whose MTA uses `dev_pki.server` (a DN of the shared dev
PKI). Local mailboxes: dr.martin@example.test (PER, password), secretariat@example.test (ORG delegated to him),
dpi@example.test (APP, certificate), and a patient.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from mailserver.smtp.listeners import SmtpListeners
from mailserver.store import Store
from tests.pki_fixtures import PKIFixture, dev_pki, foreign_pki
from tests.servers import running_smtp, smtp_settings, trust

__all__ = ["dev_pki", "foreign_pki"]

PASSWORD = "correct horse battery staple"
PATIENT_INS = "279035121518989"
PARTNER = "partner.test"


@dataclass
class Instance:
    smtp: SmtpListeners
    store: Store
    pki: PKIFixture

    @property
    def mx(self) -> int:
        return self.smtp.ports["mx"]

    @property
    def submission(self) -> int:
        return self.smtp.ports["submission"]

    @property
    def submissions(self) -> int:
        return self.smtp.ports["submissions"]


async def populate(store: Store, pki: PKIFixture) -> None:
    accounts = store.accounts
    await accounts.create_mailbox("dr.martin@example.test", "PER", display_name="Jean Martin", national_id="810001234567")
    await accounts.set_password("dr.martin@example.test", PASSWORD)
    await accounts.create_mailbox("secretariat@example.test", "ORG", display_name="Secretariat")
    await accounts.delegate("dr.martin@example.test", "secretariat@example.test")
    await accounts.create_mailbox("dpi@example.test", "APP", display_name="DPI")
    await accounts.add_patient(
        PATIENT_INS,
        "patient.example.test",
        birth_name="DUPONT",
        first_names="MARIE",
        birth_date=date(1979, 3, 5),
        sex="F",
    )
    await trust(store, [(PARTNER, pki.server.subject_dn), (PARTNER, pki.expired.subject_dn),
                        (PARTNER, pki.revoked.subject_dn), (PARTNER, pki.not_yet_valid.subject_dn)])


@pytest.fixture
async def instance(store: Store, dev_pki: PKIFixture, tmp_path: Path) -> AsyncIterator[Instance]:
    await populate(store, dev_pki)
    async with running_smtp(smtp_settings(tmp_path, dev_pki), store) as smtp:
        yield Instance(smtp, store, dev_pki)
