"""The development PKI, checked with the real openssl command line."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from mailserver.crypto.pem_files import read_certificates
from mailserver.crypto.pki import DevelopmentPKI, PKIExists, PKIMissing
from mailserver.errors import NotFound, UsageError
from tests.pki_fixtures import STRUCTURE_ID, PKIFixture, openssl, openssl_verify


def _text(cert: Path) -> str:
    result = openssl("x509", "-in", cert, "-noout", "-text")
    assert result.returncode == 0, result.stderr
    return result.stdout


def _extension(text: str, title: str) -> str:
    """The value lines of one extension in `openssl x509 -text` output."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith(title):
            value = []
            for following in lines[i + 1 :]:
                if following.strip().startswith("X509v3") or not following.startswith(" " * 16):
                    break
                value.append(following.strip())
            return " ".join(value)
    raise AssertionError(f"no {title} in certificate")


@pytest.mark.parametrize("which", ["server", "person", "organisation"])
def test_every_issued_chain_passes_openssl_verify(dev_pki: PKIFixture, which: str) -> None:
    issued = getattr(dev_pki, which)
    result = openssl_verify(dev_pki, issued.cert_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{issued.cert_path}: OK"


def test_the_chain_file_holds_the_leaf_then_the_organisations_ca(dev_pki: PKIFixture) -> None:
    chain = read_certificates(dev_pki.server.cert_path)
    assert [c.subject for c in chain] == [chain[0].subject, dev_pki.pki.org_ca_certificate.subject]
    assert chain[0].serial_number == dev_pki.server.serial


def test_cas_carry_basic_constraints_with_path_length_and_cert_sign_usage(dev_pki: PKIFixture) -> None:
    root, org = _text(dev_pki.root_ca), _text(dev_pki.org_ca)
    assert _extension(root, "X509v3 Basic Constraints: critical") == "CA:TRUE, pathlen:1"
    assert _extension(org, "X509v3 Basic Constraints: critical") == "CA:TRUE, pathlen:0"
    for text in (root, org):
        assert _extension(text, "X509v3 Key Usage: critical") == "Certificate Sign, CRL Sign"
    root_ski = _extension(root, "X509v3 Subject Key Identifier")
    assert root_ski in _extension(org, "X509v3 Authority Key Identifier")
    assert "Subject: C = FR, O = CH Exemple, CN = Caducee Dev Root CA" in root
    assert "Subject: C = FR, O = CH Exemple, CN = Caducee Dev Organisations CA" in org


def test_server_certificate_is_for_server_and_client_auth_with_the_host_in_san(dev_pki: PKIFixture) -> None:
    text = _text(dev_pki.server.cert_path)
    assert (
        _extension(text, "X509v3 Extended Key Usage") == "TLS Web Server Authentication, TLS Web Client Authentication"
    )
    assert _extension(text, "X509v3 Subject Alternative Name") == f"DNS:{dev_pki.hostname}"
    assert _extension(text, "X509v3 Basic Constraints: critical") == "CA:FALSE"
    assert "Public-Key: (2048 bit)" in text


def test_server_subject_is_in_the_whitelist_dn_form(dev_pki: PKIFixture) -> None:
    assert dev_pki.server.subject_dn == f"CN={dev_pki.hostname},OU={STRUCTURE_ID},O=CH Exemple,C=FR"


def test_person_certificate_carries_the_address_and_smime_usages(dev_pki: PKIFixture) -> None:
    text = _text(dev_pki.person.cert_path)
    assert _extension(text, "X509v3 Subject Alternative Name") == "email:dr.martin@ch-exemple.fr"
    assert _extension(text, "X509v3 Key Usage: critical") == "Digital Signature, Non Repudiation, Key Encipherment"
    assert _extension(text, "X509v3 Extended Key Usage") == "E-mail Protection, TLS Web Client Authentication"
    assert "UID = 810001234567, CN = Jean Martin" in text


def test_person_certificate_passes_openssl_smime_purpose_checks(dev_pki: PKIFixture) -> None:
    for purpose in ("smimesign", "smimeencrypt", "sslclient"):
        result = openssl_verify(dev_pki, dev_pki.person.cert_path, "-purpose", purpose)
        assert result.returncode == 0, (purpose, result.stderr)


def test_organisation_certificate_is_a_client_certificate_with_optional_address(
    dev_pki: PKIFixture, tmp_path: Path
) -> None:
    text = _text(dev_pki.organisation.cert_path)
    assert _extension(text, "X509v3 Extended Key Usage") == "TLS Web Client Authentication, E-mail Protection"
    assert _extension(text, "X509v3 Subject Alternative Name") == "email:dpi@ch-exemple.fr"
    assert dev_pki.organisation.subject_dn == f"CN=DPI Hopital,OU={STRUCTURE_ID},O=CH Exemple,C=FR"
    assert openssl_verify(dev_pki, dev_pki.organisation.cert_path, "-purpose", "sslclient").returncode == 0
    assert openssl_verify(dev_pki, dev_pki.organisation.cert_path, "-purpose", "sslserver").returncode != 0


def test_expired_certificate_fails_openssl_verify(dev_pki: PKIFixture) -> None:
    result = openssl_verify(dev_pki, dev_pki.expired.cert_path)
    assert result.returncode != 0
    assert "certificate has expired" in result.stdout + result.stderr


def test_not_yet_valid_certificate_fails_openssl_verify(dev_pki: PKIFixture) -> None:
    result = openssl_verify(dev_pki, dev_pki.not_yet_valid.cert_path)
    assert result.returncode != 0
    assert "certificate is not yet valid" in result.stdout + result.stderr


def test_revoked_certificate_fails_openssl_crl_check_and_others_pass(dev_pki: PKIFixture) -> None:
    revoked = openssl_verify(dev_pki, dev_pki.revoked.cert_path, "-crl_check", "-CRLfile", dev_pki.org_crl)
    assert revoked.returncode != 0
    assert "certificate revoked" in revoked.stdout + revoked.stderr
    good = openssl_verify(dev_pki, dev_pki.server.cert_path, "-crl_check", "-CRLfile", dev_pki.org_crl)
    assert good.returncode == 0, good.stderr


def test_both_crls_are_signed_by_their_ca_and_chain_checks_pass(dev_pki: PKIFixture) -> None:
    for crl, ca in ((dev_pki.org_crl, dev_pki.org_ca), (dev_pki.root_crl, dev_pki.root_ca)):
        result = openssl("crl", "-in", crl, "-noout", "-CAfile", ca)
        assert result.returncode == 0
        assert "verify OK" in result.stdout + result.stderr
    both = openssl("crl", "-in", dev_pki.root_crl, "-noout", "-text").stdout
    assert "No Revoked Certificates" in both
    full = openssl_verify(
        dev_pki, dev_pki.server.cert_path, "-crl_check_all", "-CRLfile", dev_pki.org_crl, "-CRLfile", dev_pki.root_crl
    )
    assert full.returncode == 0, full.stderr


def test_certificate_from_another_pki_fails_openssl_verify(dev_pki: PKIFixture, foreign_pki: PKIFixture) -> None:
    result = openssl_verify(dev_pki, foreign_pki.server.cert_path)
    assert result.returncode != 0
    assert "unable to get local issuer certificate" in result.stdout + result.stderr


def test_private_keys_are_0600_and_the_folder_0700(dev_pki: PKIFixture) -> None:
    assert stat.S_IMODE(dev_pki.directory.stat().st_mode) == 0o700
    for key in ("root-ca.key", "org-ca.key", "server.key", dev_pki.person.key_path.name):
        assert stat.S_IMODE((dev_pki.directory / key).stat().st_mode) == 0o600, key


def test_private_key_matches_its_certificate_per_openssl(dev_pki: PKIFixture) -> None:
    from_cert = openssl("x509", "-in", dev_pki.server.cert_path, "-noout", "-pubkey").stdout
    from_key = openssl("pkey", "-in", dev_pki.server.key_path, "-pubout").stdout
    assert from_cert == from_key != ""


def test_create_refuses_to_overwrite_an_existing_pki(dev_pki: PKIFixture) -> None:
    with pytest.raises(PKIExists):
        DevelopmentPKI.create(dev_pki.directory, organisation="Autre", structure_id="1")


def test_open_names_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PKIMissing) as info:
        DevelopmentPKI.open(tmp_path / "nothing")
    assert "root-ca.pem" in info.value.client_text
    assert str(tmp_path) not in info.value.client_text


def test_reopened_pki_keeps_identity_and_issues_verifiable_certificates(scratch_pki: PKIFixture) -> None:
    fixture = scratch_pki
    reopened = DevelopmentPKI.open(fixture.directory)
    assert (reopened.organisation, reopened.structure_id) == ("CH Exemple", STRUCTURE_ID)
    issued = reopened.issue_server("mx2.ch-exemple.fr", name="mx2", state="Paris (75)")
    assert issued.subject_dn == f"CN=mx2.ch-exemple.fr,OU={STRUCTURE_ID},O=CH Exemple,ST=Paris (75),C=FR"
    assert openssl_verify(fixture, issued.cert_path).returncode == 0


def test_issuing_twice_under_one_name_is_refused_unless_replacing(scratch_pki: PKIFixture) -> None:
    fixture = scratch_pki
    with pytest.raises(PKIExists):
        fixture.pki.issue_server("autre.ch-exemple.fr")
    replaced = fixture.pki.issue_server("autre.ch-exemple.fr", replace=True)
    assert read_certificates(replaced.cert_path)[0].serial_number == replaced.serial != fixture.server.serial


def test_revoking_by_serial_rewrites_the_crl_and_is_idempotent(scratch_pki: PKIFixture) -> None:
    fixture = scratch_pki
    before = x509.load_pem_x509_crl(fixture.org_crl.read_bytes())
    fixture.pki.revoke(fixture.person.serial, reason=x509.ReasonFlags.superseded)
    fixture.pki.revoke(fixture.person.serial)
    crl = x509.load_pem_x509_crl(fixture.org_crl.read_bytes())
    serials = sorted(r.serial_number for r in crl)
    assert serials == sorted([fixture.revoked.serial, fixture.person.serial])
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert number > before.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    result = openssl_verify(fixture, fixture.person.cert_path, "-crl_check", "-CRLfile", fixture.org_crl)
    assert "certificate revoked" in result.stdout + result.stderr


def test_revoke_refuses_what_the_pki_did_not_issue(scratch_pki: PKIFixture, foreign_pki: PKIFixture) -> None:
    fixture = scratch_pki
    with pytest.raises(UsageError):
        fixture.pki.revoke(foreign_pki.server.cert_path)
    with pytest.raises(NotFound):
        fixture.pki.revoke(12345)
    with pytest.raises(UsageError):
        fixture.pki.revoke(fixture.server.cert_path, reason="because")


def test_crl_is_valid_for_the_requested_days(tmp_path: Path) -> None:
    moment = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
    pki = DevelopmentPKI.create(
        tmp_path / "pki",
        organisation="CH Horloge",
        structure_id="1",
        now=moment,
        clock=lambda: moment,
        ca_key_bits=2048,
    )
    crl = x509.load_pem_x509_crl(pki.write_crl(next_update_days=3).read_bytes())
    assert crl.last_update_utc == moment
    assert crl.next_update_utc == moment + timedelta(days=3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: p.issue_server("not a host"), "not a host name"),
        (lambda p: p.issue_person("no-at-sign", common_name="X"), "not an e-mail address"),
        (lambda p: p.issue_server("ok.example", name="../escape"), "not a usable certificate name"),
        (lambda p: p.issue_server("ok.example", name="root-ca"), "not a usable certificate name"),
        (
            lambda p: p.issue_server(
                "ok.example",
                name="backwards",
                not_before=datetime(2030, 1, 2, tzinfo=UTC),
                not_after=datetime(2030, 1, 1, tzinfo=UTC),
            ),
            "end before it starts",
        ),
    ],
)
def test_bad_requests_are_usage_errors(dev_pki: PKIFixture, call: object, message: str) -> None:
    with pytest.raises(UsageError) as info:
        call(dev_pki.pki)  # type: ignore[operator]
    assert message in info.value.client_text
