"""Development PKIs for tests: built once per session, with the certificates protocol tests need.

Use from any conftest (import every name, pytest finds fixtures by name in the conftest's namespace):
    from tests.pki_fixtures import dev_pki, foreign_pki, scratch_pki, scratch_pki_template  # noqa: F401
or call `build_test_pki` for another operator, e.g. the second instance of a two-operator test.

`dev_pki` and `foreign_pki` are shared by the whole session: never revoke or re-issue in them. A test that
changes a PKI takes `scratch_pki`: its own copy of a session-built PKI (a folder copy, no key generation).
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailserver.crypto.pki import DevelopmentPKI, IssuedCertificate

ORGANISATION = "CH Exemple"
STRUCTURE_ID = "1750000000"
HOSTNAME = "mail.ch-exemple.fr"
FOREIGN_ORGANISATION = "Operateur Hors Liste"
FOREIGN_STRUCTURE_ID = "399999999900017"
FOREIGN_HOSTNAME = "mx.hors-liste.example"


@dataclass(frozen=True)
class PKIFixture:
    """A PKI and the certificates it issued for tests (all for the same organisation unless noted).

    server: valid MTA certificate for `hostname` (serverAuth + clientAuth), file `server.pem`/`server.key`
    expired: MTA certificate that ended yesterday; not_yet_valid: one that starts in ten days
    revoked: MTA certificate revoked for keyCompromise (listed in `org_crl`)
    person: S/MIME certificate of dr.martin@<domain>; organisation: APP certificate with an address
    """

    pki: DevelopmentPKI
    hostname: str
    server: IssuedCertificate
    expired: IssuedCertificate
    not_yet_valid: IssuedCertificate
    revoked: IssuedCertificate
    person: IssuedCertificate
    organisation: IssuedCertificate

    @property
    def directory(self) -> Path:
        return self.pki.directory

    @property
    def root_ca(self) -> Path:
        return self.pki.root_cert_path

    @property
    def org_ca(self) -> Path:
        return self.pki.org_ca_cert_path

    @property
    def org_crl(self) -> Path:
        return self.pki.org_crl_path

    @property
    def root_crl(self) -> Path:
        return self.pki.root_crl_path


def build_test_pki(
    directory: Path,
    *,
    organisation: str = ORGANISATION,
    structure_id: str = STRUCTURE_ID,
    hostname: str = HOSTNAME,
    ca_key_bits: int = 2048,
) -> PKIFixture:
    """Create a PKI in `directory` and issue the standard set of test certificates (CA keys of 2048 bits by
    default, for speed; `DevelopmentPKI.create` uses 3072)."""
    pki = DevelopmentPKI.create(
        directory, organisation=organisation, structure_id=structure_id, ca_key_bits=ca_key_bits
    )
    now = datetime.now(UTC)
    domain = hostname.split(".", 1)[1] if "." in hostname else hostname
    server = pki.issue_server(hostname)
    expired = pki.issue_server(
        f"expired.{domain}", name="expired", not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
    )
    not_yet_valid = pki.issue_server(
        f"future.{domain}",
        name="not-yet-valid",
        not_before=now + timedelta(days=10),
        not_after=now + timedelta(days=40),
    )
    revoked = pki.issue_server(f"revoked.{domain}", name="revoked")
    pki.revoke(revoked.cert_path, reason="keyCompromise")
    person = pki.issue_person(f"dr.martin@{domain}", common_name="Jean Martin", national_id="810001234567")
    app = pki.issue_organisation("DPI Hopital", email=f"dpi@{domain}")
    return PKIFixture(pki, hostname, server, expired, not_yet_valid, revoked, person, app)


def openssl(*args: str | Path, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    """Run the openssl command line; the result carries returncode, stdout and stderr as text."""
    return subprocess.run(
        ["openssl", *map(str, args)], input=stdin.decode(), capture_output=True, text=True, timeout=60, check=False
    )


def openssl_verify(fixture: PKIFixture, cert: Path, *extra: str | Path) -> subprocess.CompletedProcess[str]:
    """`openssl verify -CAfile root-ca.pem -untrusted org-ca.pem CERT` against the PKI of `fixture`."""
    return openssl("verify", "-CAfile", fixture.root_ca, "-untrusted", fixture.org_ca, *extra, cert)


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory: pytest.TempPathFactory) -> PKIFixture:
    """Our operator's PKI (read-only for tests)."""
    return build_test_pki(tmp_path_factory.mktemp("dev-pki") / "pki")


@pytest.fixture(scope="session")
def foreign_pki(tmp_path_factory: pytest.TempPathFactory) -> PKIFixture:
    """Another PKI, whose certificates our anchors do not vouch for (read-only for tests)."""
    return build_test_pki(
        tmp_path_factory.mktemp("foreign-pki") / "pki",
        organisation=FOREIGN_ORGANISATION,
        structure_id=FOREIGN_STRUCTURE_ID,
        hostname=FOREIGN_HOSTNAME,
    )


@pytest.fixture(scope="session")
def scratch_pki_template(tmp_path_factory: pytest.TempPathFactory) -> PKIFixture:
    """The PKI that `scratch_pki` copies; do not use it directly."""
    return build_test_pki(tmp_path_factory.mktemp("scratch-template") / "pki")


@pytest.fixture
def scratch_pki(scratch_pki_template: PKIFixture, tmp_path: Path) -> PKIFixture:
    """A PKI of this test's own, to revoke in or issue from (same content as `dev_pki`, other keys)."""
    return copy_test_pki(scratch_pki_template, tmp_path / "pki")


def copy_test_pki(fixture: PKIFixture, directory: Path) -> PKIFixture:
    """A copy of `fixture` in `directory` (modes kept), opened afresh."""
    shutil.copytree(fixture.directory, directory)

    def moved(issued: IssuedCertificate) -> IssuedCertificate:
        return dataclasses.replace(
            issued, cert_path=directory / issued.cert_path.name, key_path=directory / issued.key_path.name
        )

    return PKIFixture(
        DevelopmentPKI.open(directory),
        fixture.hostname,
        *(
            moved(getattr(fixture, f))
            for f in ("server", "expired", "not_yet_valid", "revoked", "person", "organisation")
        ),
    )
