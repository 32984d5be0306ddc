"""assess_peer: the verdicts behind the MSSanté audit probes (no certificate, expired, revoked, untrusted CA,
valid), over certificates that went through a real TLS handshake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from mailserver.crypto.names import normalise_dn
from mailserver.crypto.peer_assessment import assess_peer
from mailserver.crypto.revocation import RevocationChecker
from mailserver.crypto.tls import client_context, server_context
from tests.mailserver.crypto.tls_listener import OneShotTlsListener, connect
from tests.pki_fixtures import PKIFixture

X509_V_FLAG_NO_CHECK_TIME = 0x200000  # OpenSSL: skip validity dates (test listeners only)


def _presented(mx: PKIFixture, peer: PKIFixture, which: str) -> list[x509.Certificate]:
    """The chain our MX received from `peer` presenting its `which` certificate ("none": no certificate).

    The listener requests a certificate with the peer's own root as anchor and OpenSSL's time check off, so
    that the handshake completes whatever the certificate is and the verdict comes from `assess_peer` alone."""
    context = server_context(mx.server.cert_path, mx.server.key_path, client_ca_paths=[peer.root_ca])
    context.verify_flags |= X509_V_FLAG_NO_CHECK_TIME
    identity = None if which == "none" else getattr(peer, which)
    client = client_context(
        anchors=[mx.root_ca],
        cert_path=identity.cert_path if identity else None,
        key_path=identity.key_path if identity else None,
    )
    with OneShotTlsListener(context) as listener:
        connect(listener.port, client, mx.hostname)
    record = listener.wait()
    assert record.error is None, record.error
    return record.peer_chain


@pytest.mark.parametrize(
    ("peer", "which", "verdict"),
    [
        ("dev", "none", "none"),
        ("dev", "server", "valid"),
        ("dev", "expired", "expired"),
        ("dev", "revoked", "revoked"),
        ("foreign", "server", "untrusted"),
    ],
)
def test_audit_probe_certificates_get_their_verdict(
    dev_pki: PKIFixture, foreign_pki: PKIFixture, peer: str, which: str, verdict: str
) -> None:
    sender = dev_pki if peer == "dev" else foreign_pki
    presented = _presented(dev_pki, sender, which)
    revocation = RevocationChecker.from_files([dev_pki.root_ca, dev_pki.org_ca], [dev_pki.org_crl, dev_pki.root_crl])
    assessment = assess_peer(
        presented, anchors=[dev_pki.pki.root_certificate], now=datetime.now(UTC), revocation=revocation
    )
    assert assessment.verdict == verdict, assessment.reason


def test_valid_peer_carries_its_dn_in_the_whitelist_form(dev_pki: PKIFixture) -> None:
    presented = _presented(dev_pki, dev_pki, "server")
    assessment = assess_peer(presented, anchors=[dev_pki.pki.root_certificate], now=datetime.now(UTC))
    assert assessment.subject_dn == dev_pki.server.subject_dn
    whitelist_entry = "c=FR, o=CH Exemple, ou=1750000000, cn=MAIL.CH-EXEMPLE.FR"
    assert normalise_dn(assessment.subject_dn) == normalise_dn(whitelist_entry)


def test_revocation_status_unknown_when_the_crl_is_stale(dev_pki: PKIFixture) -> None:
    presented = _presented(dev_pki, dev_pki, "server")
    crl = x509.load_pem_x509_crl(dev_pki.org_crl.read_bytes())
    assert crl.next_update_utc is not None
    later = crl.next_update_utc + timedelta(hours=1)
    revocation = RevocationChecker.from_files(
        [dev_pki.root_ca, dev_pki.org_ca], [dev_pki.org_crl, dev_pki.root_crl], clock=lambda: later
    )
    assessment = assess_peer(presented, anchors=[dev_pki.pki.root_certificate], now=later, revocation=revocation)
    assert assessment.verdict == "revocation-unknown"


def test_person_and_organisation_certificates_are_valid_tls_clients(
    dev_pki: PKIFixture,
) -> None:
    for which in ("person", "organisation"):
        presented = _presented(dev_pki, dev_pki, which)
        assert assess_peer(presented, anchors=[dev_pki.pki.root_certificate], now=datetime.now(UTC)).verdict == (
            "valid"
        )
