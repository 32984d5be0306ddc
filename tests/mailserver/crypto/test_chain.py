"""verify_chain: the classification the SMTP MX needs (valid, expired, not yet valid, untrusted, bad signature)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from mailserver.crypto import profiles
from mailserver.crypto.chain import verify_chain
from mailserver.crypto.pem_files import read_certificates, read_private_key
from tests.mailserver.crypto.forgery import forged_certificate
from tests.pki_fixtures import PKIFixture, openssl

NOW = datetime.now(UTC)


def _leaf(path: object) -> x509.Certificate:
    return read_certificates(path)[0]  # type: ignore[arg-type]


def test_valid_server_certificate_chains_to_the_root(dev_pki: PKIFixture) -> None:
    result = verify_chain(
        _leaf(dev_pki.server.cert_path), [dev_pki.pki.org_ca_certificate], [dev_pki.pki.root_certificate], NOW
    )
    assert result.ok, result.reason
    assert [c.subject for c in result.chain] == [
        _leaf(dev_pki.server.cert_path).subject,
        dev_pki.pki.org_ca_certificate.subject,
        dev_pki.pki.root_certificate.subject,
    ]


def test_intermediates_sent_in_the_chain_file_are_enough(dev_pki: PKIFixture) -> None:
    leaf, *sent = read_certificates(dev_pki.person.cert_path)
    assert verify_chain(leaf, sent, [dev_pki.pki.root_certificate], NOW).ok


def test_configured_intermediate_is_an_anchor_on_its_own(dev_pki: PKIFixture) -> None:
    result = verify_chain(_leaf(dev_pki.server.cert_path), [], [dev_pki.pki.org_ca_certificate], NOW)
    assert result.ok, result.reason
    assert len(result.chain) == 2


def test_expired_certificate_is_classified_expired(dev_pki: PKIFixture) -> None:
    result = verify_chain(
        _leaf(dev_pki.expired.cert_path), [dev_pki.pki.org_ca_certificate], [dev_pki.pki.root_certificate], NOW
    )
    assert result.status == "expired"
    assert "expired.ch-exemple.fr" in result.reason
    assert (
        openssl(
            "verify", "-CAfile", dev_pki.root_ca, "-untrusted", dev_pki.org_ca, dev_pki.expired.cert_path
        ).returncode
        != 0
    )


def test_not_yet_valid_certificate_is_classified_not_yet_valid(dev_pki: PKIFixture) -> None:
    result = verify_chain(
        _leaf(dev_pki.not_yet_valid.cert_path), [dev_pki.pki.org_ca_certificate], [dev_pki.pki.root_certificate], NOW
    )
    assert result.status == "not-yet-valid"


def test_every_certificate_is_checked_at_the_given_time(dev_pki: PKIFixture) -> None:
    leaf = _leaf(dev_pki.server.cert_path)
    far_future = dev_pki.pki.org_ca_certificate.not_valid_after_utc + timedelta(days=1)
    result = verify_chain(leaf, [dev_pki.pki.org_ca_certificate], [dev_pki.pki.root_certificate], far_future)
    assert result.status == "expired"


def test_certificate_from_another_pki_is_untrusted(dev_pki: PKIFixture, foreign_pki: PKIFixture) -> None:
    leaf, *sent = read_certificates(foreign_pki.server.cert_path)
    result = verify_chain(leaf, sent, [dev_pki.pki.root_certificate], NOW)
    assert result.status == "untrusted"
    assert "Operateur Hors Liste" in result.reason


def test_expired_certificate_from_another_pki_is_untrusted_first(dev_pki: PKIFixture, foreign_pki: PKIFixture) -> None:
    leaf, *sent = read_certificates(foreign_pki.expired.cert_path)
    assert verify_chain(leaf, sent, [dev_pki.pki.root_certificate], NOW).status == "untrusted"


def test_certificate_naming_our_ca_but_signed_by_another_key_is_bad_signature(dev_pki: PKIFixture) -> None:
    forged = forged_certificate(dev_pki.pki.org_ca_certificate, "faux.ch-exemple.fr")
    result = verify_chain(forged, [dev_pki.pki.org_ca_certificate], [dev_pki.pki.root_certificate], NOW)
    assert result.status == "bad-signature"


def test_no_anchor_means_untrusted(dev_pki: PKIFixture) -> None:
    assert verify_chain(_leaf(dev_pki.server.cert_path), [dev_pki.pki.org_ca_certificate], [], NOW).status == (
        "untrusted"
    )


def test_a_leaf_cannot_act_as_a_ca(dev_pki: PKIFixture) -> None:
    """A certificate signed with a leaf's key does not chain, though every signature verifies."""
    server = _leaf(dev_pki.server.cert_path)
    server_key = read_private_key(dev_pki.server.key_path)
    assert isinstance(server_key, rsa.RSAPrivateKey)
    child = (
        x509.CertificateBuilder()
        .subject_name(profiles.build_name("child.ch-exemple.fr"))
        .issuer_name(server.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(server_key, hashes.SHA256())
    )
    result = verify_chain(child, [server, dev_pki.pki.org_ca_certificate], [dev_pki.pki.root_certificate], NOW)
    assert result.status == "untrusted"
    assert result.reason.startswith("path refused:")


@pytest.mark.parametrize(
    ("which", "purpose", "ok"),
    [
        ("server", ExtendedKeyUsageOID.CLIENT_AUTH, True),
        ("server", ExtendedKeyUsageOID.SERVER_AUTH, True),
        ("person", ExtendedKeyUsageOID.EMAIL_PROTECTION, True),
        ("person", ExtendedKeyUsageOID.SERVER_AUTH, False),
        ("organisation", ExtendedKeyUsageOID.CLIENT_AUTH, True),
        ("organisation", ExtendedKeyUsageOID.SERVER_AUTH, False),
    ],
)
def test_purpose_is_checked_against_the_extended_key_usage(
    dev_pki: PKIFixture, which: str, purpose: x509.ObjectIdentifier, ok: bool
) -> None:
    leaf = _leaf(getattr(dev_pki, which).cert_path)
    result = verify_chain(leaf, [dev_pki.pki.org_ca_certificate], [dev_pki.pki.root_certificate], NOW, purpose=purpose)
    assert result.ok is ok, result.reason
