"""SMTP test fixtures: the session PKIs, and a running instance with a whitelisted partner operator.

The instance trusts the local OIDC issuer of `tests.mailserver.auth.issuer`.
`partner.test` is another operator of the trust space whose MTA uses `dev_pki.server` (a DN of the shared dev
PKI). Local mailboxes: dr.martin@example.test (PER, password), secretariat@example.test (ORG delegated to him),
dpi@example.test (APP), dpi@ch-exemple.fr (APP, named by the dev PKI's organisation certificate), and a
patient.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from mailserver.smtp.listeners import SmtpListeners
from mailserver.store import Store
from tests.mailserver.auth.issuer import Issuer, make_issuer
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
    await accounts.create_mailbox(
        "dr.martin@example.test", "PER", display_name="Jean Martin", national_id="810001234567"
    )
    await accounts.set_password("dr.martin@example.test", PASSWORD)
    await accounts.create_mailbox("secretariat@example.test", "ORG", display_name="Secretariat")
    await accounts.delegate("dr.martin@example.test", "secretariat@example.test")
    await accounts.create_mailbox("dpi@example.test", "APP", display_name="DPI")
    # The dev PKI's certificates name addresses in ch-exemple.fr, a second domain of this operator.
    await accounts.ensure_domain("ch-exemple.fr", "professional")
    await accounts.create_mailbox("dpi@ch-exemple.fr", "APP", display_name="DPI (certificate)")
    await accounts.create_mailbox("dr.martin@ch-exemple.fr", "PER", national_id="810001234567")
    await accounts.add_patient(
        PATIENT_INS,
        "patient.example.test",
        birth_name="DUPONT",
        first_names="MARIE",
        birth_date=date(1979, 3, 5),
        sex="F",
    )
    await trust(
        store,
        [
            (PARTNER, pki.server.subject_dn),
            (PARTNER, pki.expired.subject_dn),
            (PARTNER, pki.revoked.subject_dn),
            (PARTNER, pki.not_yet_valid.subject_dn),
        ],
    )


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Issuer:
    return make_issuer(tmp_path_factory.mktemp("oidc"))


@pytest.fixture
async def instance(store: Store, dev_pki: PKIFixture, issuer: Issuer, tmp_path: Path) -> AsyncIterator[Instance]:
    await populate(store, dev_pki)
    async with running_smtp(smtp_settings(tmp_path, dev_pki, auth=issuer.settings()), store) as smtp:
        yield Instance(smtp, store, dev_pki)


def instance_with(store: Store, pki: PKIFixture, tmp_path: Path, **sections: dict[str, object]):  # type: ignore[no-untyped-def]
    """A populated instance with other settings (`smtp={"max_recipients": 3}`), as an async context manager."""
    import contextlib

    @contextlib.asynccontextmanager
    async def run() -> AsyncIterator[Instance]:
        await populate(store, pki)
        async with running_smtp(smtp_settings(tmp_path, pki, **sections), store) as smtp:  # type: ignore[arg-type]
            yield Instance(smtp, store, pki)

    return run()
