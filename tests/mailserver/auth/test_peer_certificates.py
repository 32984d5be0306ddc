"""Client certificate verdicts: chain to the configured anchors only, then the CRLs; each state named."""

from __future__ import annotations

from mailserver.auth.peer import CertificateVerifier
from mailserver.crypto.pem_files import read_certificates
from mailserver.store import utcnow
from tests.pki_fixtures import PKIFixture


def verifier(pki: PKIFixture, crls: bool = True) -> CertificateVerifier:
    sources = [str(pki.org_crl), str(pki.root_crl)] if crls else []
    return CertificateVerifier.from_files([pki.root_ca, pki.org_ca], sources, clock=utcnow)


def chain_of(path: object) -> list:  # type: ignore[type-arg]
    return read_certificates(path)  # type: ignore[arg-type]


def test_each_certificate_state_is_named(dev_pki: PKIFixture, foreign_pki: PKIFixture) -> None:
    v = verifier(dev_pki)
    cases = {
        "good": dev_pki.server,
        "expired": dev_pki.expired,
        "not-yet-valid": dev_pki.not_yet_valid,
        "revoked": dev_pki.revoked,
    }
    for status, certificate in cases.items():
        verdict = v.classify(chain_of(certificate.cert_path))
        assert verdict.status == status, (status, verdict.detail)
        assert verdict.subject_dn == certificate.subject_dn
    assert v.classify(chain_of(foreign_pki.server.cert_path)).status == "untrusted"
    assert v.classify([]).status == "absent"


def test_without_a_crl_the_revocation_status_is_unknown(dev_pki: PKIFixture) -> None:
    verdict = verifier(dev_pki, crls=False).classify(chain_of(dev_pki.server.cert_path))
    assert verdict.status == "revocation-unknown"
