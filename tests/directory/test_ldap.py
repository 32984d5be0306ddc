"""The LDAP address book, driven by the real `ldapsearch` (Debian ldap-utils) over LDAPS and StartTLS, with the
returned certificate parsed by `openssl x509 -inform DER`."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy.ext.asyncio import create_async_engine

from directory.certificates import add_certificate, certificate_record
from directory.importer import import_extraction
from directory.local import upsert_local_mailbox
from directory.records import USAGE_ENCRYPTION, LocalMailbox
from directory.schema import create_schema
from directory.synthetic import org_fields, per_fields
from tests.directory.conftest import clock, make_pki, write_extraction
from tests.directory.ldap_harness import create_credentials

pytestmark = pytest.mark.skipif(shutil.which("ldapsearch") is None, reason="ldapsearch (ldap-utils) is not installed")

BASE = "ou=annuaire,dc=caducee,dc=test"
HARNESS = Path(__file__).with_name("ldap_harness.py")
ALICE = "helene.berange@ch-test.mssante.fr"
ALICE_PASSWORD = "correct horse battery staple"
HIDDEN = "secret.doc@ch-test.mssante.fr"


@dataclass
class Server:
    ports: dict[str, int]
    ca: Path
    folder: Path

    def ldapsearch(
        self, *args: str, url: str | None = None, bind: tuple[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        command = ["ldapsearch", "-LLL", "-x", "-H", url or f"ldaps://127.0.0.1:{self.ports['ldaps']}", "-b", BASE]
        if bind is not None:
            command += ["-D", bind[0], "-w", bind[1]]
        env = {**os.environ, "LDAPTLS_CACERT": str(self.ca), "LDAPTLS_REQCERT": "demand", "HOME": str(self.folder)}
        return subprocess.run([*command, *args], capture_output=True, text=True, timeout=30, env=env, check=False)


def _prepare(folder: Path, database: Path) -> bytes:
    pki = make_pki(folder)
    cert, _key = pki.issue("Hélène Béranger", email=ALICE)
    der = cert.public_bytes(serialization.Encoding.DER)
    lines = [
        "|".join(per_fields(ALICE, "10000000001", "BÉRANGER", "Hélène", legal_name="CHU SYNTHÉTIQUE")),
        "|".join(per_fields("jean.saint-martin@ch-test.mssante.fr", "10000000002", "SAINT-MARTIN", "Jean")),
        "|".join(per_fields("paul.dupont@ch-test.mssante.fr", "10000000003", "DUPONT", "Paul")),
        "|".join(org_fields("urgences@ch-test.mssante.fr", "1750000001", "CHU SYNTHÉTIQUE", "Urgences")),
    ]
    extraction = write_extraction(folder / "extraction.txt", lines)

    async def fill() -> None:
        engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
        await create_schema(engine)
        await import_extraction(engine, extraction, clock=clock)
        await upsert_local_mailbox(
            engine,
            LocalMailbox(
                HIDDEN, "PER", national_id="810000000009", family_name="SECRET", given_name="Doc", liste_rouge=True
            ),
        )
        await add_certificate(engine, certificate_record(der, USAGE_ENCRYPTION, address=ALICE))
        await create_credentials(engine, {ALICE: ALICE_PASSWORD})
        await engine.dispose()

    asyncio.run(fill())
    return der


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _serve(tmp_path_factory.mktemp("ldap"), anonymous=False)


@pytest.fixture(scope="module")
def anonymous_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _serve(tmp_path_factory.mktemp("ldap-anonymous"), anonymous=True)


def _serve(folder: Path, *, anonymous: bool) -> Iterator[Server]:
    database = folder / "directory.db"
    _prepare(folder, database)
    chain, key, ca = _server_files(folder)  # libldap checks the IP against the certificate: URLs use 127.0.0.1
    process = subprocess.Popen(
        [sys.executable, str(HARNESS), str(database), str(chain), str(key), BASE, "1" if anonymous else "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert process.stdout is not None
        ports = json.loads(process.stdout.readline())
        yield Server(ports, ca, folder)
    finally:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        process.wait(timeout=20)
        process.stdout.close()


def _server_files(folder: Path) -> tuple[Path, Path, Path]:
    server_folder = folder / "tls"
    server_folder.mkdir()
    return make_pki(server_folder).server_files()


def _values(ldif: str, attribute: str) -> list[str]:
    """Values of `attribute` in ldapsearch -LLL output (continuation lines joined; base64 kept as is)."""
    unfolded = ldif.replace("\n ", "")
    prefix = attribute.lower()
    return [
        line.split(":", 1)[1].lstrip(": ").strip()
        for line in unfolded.splitlines()
        if line.split(":", 1)[0].lower() == prefix
    ]


def test_ldaps_search_by_mail_returns_the_entry_and_a_der_certificate_openssl_parses(
    server: Server, tmp_path: Path
) -> None:
    result = server.ldapsearch(f"(mail={ALICE})", bind=(f"mail={ALICE},{BASE}", ALICE_PASSWORD))
    assert result.returncode == 0, result.stderr
    assert _values(result.stdout, "mail") == [ALICE]
    assert _values(result.stdout, "sn") == [base64.b64encode("BÉRANGER".encode()).decode()]  # non-ASCII: base64
    certificates = _values(result.stdout, "userCertificate;binary")
    assert len(certificates) == 1
    der_file = tmp_path / "user.der"
    der_file.write_bytes(base64.b64decode(certificates[0]))
    parsed = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-noout", "-subject", "-in", str(der_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stderr
    assert "Caducée tests" in parsed.stdout or "Caduc" in parsed.stdout


def test_ldaps_cn_substring_finds_entries_accent_insensitively(server: Server) -> None:
    result = server.ldapsearch("(cn=*beran*)", "mail", bind=(ALICE, ALICE_PASSWORD))
    assert result.returncode == 0, result.stderr
    assert _values(result.stdout, "mail") == [ALICE]
    initial = server.ldapsearch("(|(cn=saint*)(sn=dup*))", "mail", bind=(ALICE, ALICE_PASSWORD))
    assert sorted(_values(initial.stdout, "mail")) == [
        "jean.saint-martin@ch-test.mssante.fr",
        "paul.dupont@ch-test.mssante.fr",
    ]


def test_and_filter_on_organisation_and_title(server: Server) -> None:
    result = server.ldapsearch("(&(o=chu synth*)(title=medecin))", "mail", bind=(ALICE, ALICE_PASSWORD))
    assert result.returncode == 0, result.stderr
    assert _values(result.stdout, "mail") == [ALICE]


def test_liste_rouge_entries_and_passwords_are_never_returned(server: Server) -> None:
    result = server.ldapsearch("(objectClass=*)", bind=(ALICE, ALICE_PASSWORD))
    assert result.returncode == 0, result.stderr
    assert HIDDEN not in result.stdout
    assert "userPassword" not in result.stdout
    assert len(_values(result.stdout, "mail")) == 4


def test_anonymous_bind_is_refused_by_default(server: Server) -> None:
    result = server.ldapsearch("(mail=*)")
    assert result.returncode == 48, (result.returncode, result.stderr)  # inappropriateAuthentication
    assert "mail:" not in result.stdout


def test_wrong_password_is_refused(server: Server) -> None:
    result = server.ldapsearch("(mail=*)", bind=(f"mail={ALICE},{BASE}", "wrong password"))
    assert result.returncode == 49, (result.returncode, result.stderr)  # invalidCredentials


def test_simple_bind_without_tls_is_refused_but_starttls_then_works(server: Server) -> None:
    clear = f"ldap://127.0.0.1:{server.ports['ldap']}"
    refused = server.ldapsearch("(mail=*)", url=clear, bind=(ALICE, ALICE_PASSWORD))
    assert refused.returncode == 13, (refused.returncode, refused.stderr)  # confidentialityRequired
    started = server.ldapsearch("-ZZ", f"(mail={ALICE})", "mail", url=clear, bind=(ALICE, ALICE_PASSWORD))
    assert started.returncode == 0, started.stderr
    assert _values(started.stdout, "mail") == [ALICE]


def test_size_limit_is_reported(server: Server) -> None:
    result = server.ldapsearch("-z", "2", "(mail=*)", "mail", bind=(ALICE, ALICE_PASSWORD))
    assert result.returncode == 4, (result.returncode, result.stderr)  # sizeLimitExceeded
    assert len(_values(result.stdout, "mail")) == 2


def test_writes_are_refused(server: Server) -> None:
    env = {**os.environ, "LDAPTLS_CACERT": str(server.ca), "HOME": str(server.folder)}
    ldif = f"dn: mail={ALICE},{BASE}\nchangetype: modify\nreplace: cn\ncn: X\n"
    result = subprocess.run(
        ["ldapmodify", "-x", "-H", f"ldaps://127.0.0.1:{server.ports['ldaps']}", "-D", ALICE, "-w", ALICE_PASSWORD],
        input=ldif,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert result.returncode == 53, (result.returncode, result.stderr)  # unwillingToPerform


def test_anonymous_search_works_when_configured_and_still_hides_liste_rouge(anonymous_server: Server) -> None:
    result = anonymous_server.ldapsearch("(mail=*)", "mail")
    assert result.returncode == 0, result.stderr
    assert len(_values(result.stdout, "mail")) == 4 and HIDDEN not in result.stdout
