"""`caducee pki ...` end to end through `mailserver.cli.main`, checked with the openssl command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailserver.cli import main
from tests.pki_fixtures import openssl

CONFIG = """\
[instance]
domain = "ch-config.fr"
hostname = "mx.ch-config.fr"
organisation = "CH Config"
structure_id = "1690000000"
"""


def _verify(pki: Path, cert: Path, *extra: str | Path) -> str:
    result = openssl("verify", "-CAfile", pki / "root-ca.pem", "-untrusted", pki / "org-ca.pem", *extra, cert)
    return (result.stdout + result.stderr).strip()


@pytest.fixture(scope="module")
def created_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PKI made by `caducee pki create`, copied by the tests that change it."""
    folder = tmp_path_factory.mktemp("cli-pki") / "pki"
    assert main(["pki", "create", "--pki", str(folder), "--organisation", "CH Cli", "--structure-id", "1"]) == 0
    return folder


@pytest.fixture
def pki(created_pki: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "pki"
    shutil.copytree(created_pki, folder)
    return folder


def test_create_prints_the_ca_and_crl_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "pki"
    assert main(["pki", "create", "--pki", str(folder), "--organisation", "CH Cli"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(folder / n) for n in ("root-ca.pem", "org-ca.pem", "root-ca.crl.pem", "org-ca.crl.pem")]
    assert main(["pki", "create", "--pki", str(folder), "--organisation", "CH Cli"]) == 1  # never overwrites
    assert "exists already" in capsys.readouterr().err


def test_issued_server_person_and_organisation_certificates_pass_openssl_verify(
    pki: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = [
        ["issue", "server", "--hostname", "mx.ch-cli.fr", "--structure-id", "1750000000", "--state", "Paris (75)"],
        ["issue", "person", "dr.martin@ch-cli.fr", "--cn", "Jean Martin", "--national-id", "810001234567"],
        ["issue", "organisation", "--cn", "DPI", "--email", "dpi@ch-cli.fr"],
    ]
    for command in commands:
        assert main(["pki", *command, "--pki", str(pki)]) == 0
    lines = capsys.readouterr().out.splitlines()
    certs = [Path(line) for line in lines if line.endswith(".pem")]
    keys = [Path(line) for line in lines if line.endswith(".key")]
    assert [c.name for c in certs] == ["server.pem", "dr.martin_at_ch-cli.fr.pem", "dpi_at_ch-cli.fr.pem"]
    assert all(k.is_file() for k in keys) and len(keys) == 3
    for cert in certs:
        assert _verify(pki, cert) == f"{cert}: OK"
    assert "subject: CN=mx.ch-cli.fr,OU=1750000000,O=CH Cli,ST=Paris (75),C=FR" in lines


def test_configuration_gives_the_folder_host_name_and_identity(pki: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = pki.parent / "caducee.toml"
    config.write_text(CONFIG, encoding="utf-8")
    assert main(["pki", "issue", "server", "-c", str(config)]) == 0
    assert main(["pki", "issue", "organisation", "-c", str(config), "--cn", "LIS", "--organisation", "Labo"]) == 0
    out = capsys.readouterr().out
    assert "subject: CN=mx.ch-config.fr,OU=1690000000,O=CH Config,C=FR" in out
    assert "subject: CN=LIS,OU=1690000000,O=Labo,C=FR" in out
    assert _verify(pki, pki / "server.pem") == f"{pki / 'server.pem'}: OK"


def test_certificate_with_past_dates_is_expired_for_openssl(pki: Path) -> None:
    args = ["--not-before", "2020-01-01", "--not-after", "2021-01-01T00:00:00+00:00", "--name", "old"]
    assert main(["pki", "issue", "server", "--hostname", "old.ch-cli.fr", "--pki", str(pki), *args]) == 0
    assert "certificate has expired" in _verify(pki, pki / "old.pem")


def test_revoke_updates_the_crl_that_openssl_checks(pki: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pki", "issue", "server", "--hostname", "r.ch-cli.fr", "--name", "r", "--pki", str(pki)]) == 0
    capsys.readouterr()
    assert main(["pki", "revoke", str(pki / "r.pem"), "--reason", "keyCompromise", "--pki", str(pki)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("revoked serial ")
    assert out[1:] == [str(pki / "org-ca.crl.pem"), str(pki / "root-ca.crl.pem")]
    assert "certificate revoked" in _verify(pki, pki / "r.pem", "-crl_check", "-CRLfile", pki / "org-ca.crl.pem")
    assert main(["pki", "crl", "--days", "30", "--pki", str(pki)]) == 0
    assert "certificate revoked" in _verify(pki, pki / "r.pem", "-crl_check", "-CRLfile", pki / "org-ca.crl.pem")


def test_missing_pki_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pki", "issue", "server", "--hostname", "x.fr", "--pki", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("caducee: error: no development PKI there")
    assert str(tmp_path) not in err


def test_bad_date_is_refused_by_the_argument_parser(pki: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["pki", "issue", "server", "--pki", str(pki), "--not-after", "tomorrow"])
    assert info.value.code == 2
    assert "not an ISO date" in capsys.readouterr().err
