"""RevocationChecker: good / revoked / unknown from CRL files, keeping the last valid CRL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mailserver.crypto.pem_files import read_certificates
from mailserver.crypto.revocation import RevocationChecker
from tests.mailserver.crypto.forgery import forged_crl
from tests.pki_fixtures import PKIFixture, openssl_verify


def _leaf(path: Path) -> x509.Certificate:
    return read_certificates(path)[0]


def _checker(fixture: PKIFixture, clock: object = None) -> RevocationChecker:
    kwargs = {"clock": clock} if clock else {}
    return RevocationChecker.from_files(
        [fixture.root_ca, fixture.org_ca],
        [fixture.org_crl, fixture.root_crl],
        **kwargs,  # type: ignore[arg-type]
    )


def test_revoked_certificate_is_revoked_and_openssl_agrees(dev_pki: PKIFixture) -> None:
    checker = _checker(dev_pki)
    assert checker.status(_leaf(dev_pki.revoked.cert_path), dev_pki.pki.org_ca_certificate) == "revoked"
    result = openssl_verify(dev_pki, dev_pki.revoked.cert_path, "-crl_check", "-CRLfile", dev_pki.org_crl)
    assert "certificate revoked" in result.stdout + result.stderr


def test_valid_certificate_is_good(dev_pki: PKIFixture) -> None:
    assert _checker(dev_pki).status(_leaf(dev_pki.server.cert_path), dev_pki.pki.org_ca_certificate) == "good"


def test_whole_chain_status_needs_both_crls(dev_pki: PKIFixture) -> None:
    chain = (_leaf(dev_pki.server.cert_path), dev_pki.pki.org_ca_certificate, dev_pki.pki.root_certificate)
    assert _checker(dev_pki).chain_status(chain) == "good"
    only_org = RevocationChecker.from_files([dev_pki.root_ca, dev_pki.org_ca], [dev_pki.org_crl])
    assert only_org.chain_status(chain) == "unknown"
    revoked_chain = (_leaf(dev_pki.revoked.cert_path), *chain[1:])
    assert only_org.chain_status(revoked_chain) == "revoked"


def test_status_is_unknown_without_a_crl_for_the_issuer(dev_pki: PKIFixture) -> None:
    checker = RevocationChecker.from_files([dev_pki.root_ca, dev_pki.org_ca], [])
    assert checker.status(_leaf(dev_pki.server.cert_path), dev_pki.pki.org_ca_certificate) == "unknown"


def test_status_is_unknown_once_the_crl_is_past_its_next_update(dev_pki: PKIFixture) -> None:
    crl = x509.load_pem_x509_crl(dev_pki.org_crl.read_bytes())
    assert crl.next_update_utc is not None
    later = crl.next_update_utc + timedelta(seconds=1)
    checker = _checker(dev_pki, clock=lambda: later)
    assert checker.status(_leaf(dev_pki.server.cert_path), dev_pki.pki.org_ca_certificate) == "unknown"
    assert checker.status(_leaf(dev_pki.revoked.cert_path), dev_pki.pki.org_ca_certificate) == "unknown"


def test_crl_of_a_foreign_issuer_is_ignored(dev_pki: PKIFixture, foreign_pki: PKIFixture) -> None:
    checker = RevocationChecker.from_files([dev_pki.root_ca, dev_pki.org_ca], [])
    problems = checker.offer(foreign_pki.org_crl.read_bytes(), "foreign")
    assert problems and "no configured issuer" in problems[0]
    assert checker.held() == []


def test_forged_crl_does_not_replace_the_real_one(dev_pki: PKIFixture) -> None:
    checker = _checker(dev_pki)
    forged = forged_crl(dev_pki.pki.org_ca_certificate, this_update=datetime.now(UTC))
    problems = checker.offer(forged.public_bytes(serialization.Encoding.PEM), "forged")
    assert problems
    assert checker.status(_leaf(dev_pki.revoked.cert_path), dev_pki.pki.org_ca_certificate) == "revoked"


def test_der_crl_is_accepted(dev_pki: PKIFixture) -> None:
    der = x509.load_pem_x509_crl(dev_pki.org_crl.read_bytes()).public_bytes(serialization.Encoding.DER)
    checker = RevocationChecker([dev_pki.pki.root_certificate, dev_pki.pki.org_ca_certificate])
    assert checker.offer(der, "der") == []
    assert checker.status(_leaf(dev_pki.revoked.cert_path), dev_pki.pki.org_ca_certificate) == "revoked"


def test_last_valid_crl_is_kept_when_a_reload_fails(scratch_pki: PKIFixture) -> None:
    checker = _checker(scratch_pki)
    scratch_pki.org_crl.write_bytes(b"-----BEGIN X509 CRL-----\nbroken\n-----END X509 CRL-----\n")
    assert checker.reload()
    assert checker.status(_leaf(scratch_pki.revoked.cert_path), scratch_pki.pki.org_ca_certificate) == "revoked"
    scratch_pki.org_crl.unlink()
    assert any("cannot read" in p for p in checker.reload())
    assert checker.status(_leaf(scratch_pki.revoked.cert_path), scratch_pki.pki.org_ca_certificate) == "revoked"


def test_reload_picks_up_a_new_revocation(scratch_pki: PKIFixture) -> None:
    checker = _checker(scratch_pki)
    person = _leaf(scratch_pki.person.cert_path)
    assert checker.status(person, scratch_pki.pki.org_ca_certificate) == "good"
    scratch_pki.pki.revoke(scratch_pki.person.cert_path)
    assert checker.reload() == []
    assert checker.status(person, scratch_pki.pki.org_ca_certificate) == "revoked"


def test_an_older_crl_does_not_replace_a_newer_one(scratch_pki: PKIFixture) -> None:
    old = scratch_pki.org_crl.read_bytes()
    scratch_pki.pki.revoke(scratch_pki.person.cert_path)
    checker = _checker(scratch_pki)
    problems = checker.offer(old, "old copy")
    assert problems and "older" in problems[0]
    assert checker.status(_leaf(scratch_pki.person.cert_path), scratch_pki.pki.org_ca_certificate) == "revoked"


def test_garbage_is_reported_not_raised(dev_pki: PKIFixture) -> None:
    checker = _checker(dev_pki)
    assert checker.offer(b"not a crl", "garbage")
    assert len(checker.held()) == 2
