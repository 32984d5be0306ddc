"""DN string forms: the whitelist form of a certificate subject, and the comparison key `normalise_dn`."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from cryptography import x509

from mailserver.crypto.names import name_dn_string, normalise_dn, parse_dn, subject_dn_string
from mailserver.crypto.pem_files import read_certificates
from tests.pki_fixtures import PKIFixture, copy_test_pki

WHITELIST = Path(__file__).resolve().parents[4] / "shared" / "data" / "real" / "whitelist"
AUDIT_VALID_DN = (
    "CN=cert-valide-audit.espacedeconfiance.mssante.fr,OU=347976684200724,O=CAPGEMINI TECHNOLOGY SERVICES,"
    "ST=Hauts-de-Seine (92),C=FR"
)


def _whitelist_dns() -> list[str]:
    """Every distinct DN of the real full whitelist. Read with a pattern, not an XML parser: the published
    file ends without the closing tag of its root element."""
    text = (WHITELIST / "listeblanchemssante-2025-03-13-full.xml").read_text(encoding="utf-8")
    return sorted({html.unescape(m) for m in re.findall(r"<DNCertificatOperateur>([^<]*)<", text)})


@pytest.mark.parametrize(
    ("left", "right"),
    [
        # attribute order
        ("CN=mx.a.fr,OU=1750000000,O=CH A,C=FR", "C=FR,O=CH A,OU=1750000000,CN=mx.a.fr"),
        # spaces around separators and around '='
        ("CN=mx.a.fr, OU=1750000000, O=CH A, C=FR", "CN = mx.a.fr ,OU=1750000000,O=CH A,C=FR"),
        # case and spelling of attribute types
        ("cn=mx.a.fr,ou=1,o=CH A,c=FR", "commonName=mx.a.fr,organizationalUnitName=1,organizationName=CH A,C=FR"),
        ("CN=mx.a.fr,2.5.4.11=1,O=CH A,countryName=FR", "CN=mx.a.fr,OU=1,O=CH A,C=FR"),
        ("S=Paris (75),CN=x", "ST=Paris (75),CN=x"),
        ("emailAddress=a@b.fr,CN=x", "E=a@b.fr,CN=x"),
        # case of values (RFC 5280 §7.1 caseIgnoreMatch), e.g. upper-case host names on the whitelist
        ("CN=MSSANTE.PROGINOV.FR,O=PROGINOV,C=FR", "CN=mssante.proginov.fr,O=Proginov,C=fr"),
        # insignificant spaces inside values, and RFC 1779 quotes
        ('CN=mss.ch-cadillac.fr,O="C.H. DE  CADILLAC",C=FR', "CN=mss.ch-cadillac.fr,O=C.H. DE CADILLAC,C=FR"),
        # RFC 4514 escapes, in text and in hex
        (r"CN=x,O=Lab\, Site Nord,C=FR", 'CN=x,O="Lab, Site Nord",C=FR'),
        (r"CN=H\C3\B4pital,C=FR", "CN=Hôpital,C=FR"),
        # Unicode normalisation (decomposed and composed accents)
        ("ST=Puy-de-Do\u0302me (63),CN=x", "ST=Puy-de-Dôme (63),CN=x"),
        # an unescaped comma that is not followed by an attribute type stays in the value
        ("CN=x,O=CH, SITE NORD,C=FR", r"CN=x,O=CH\, SITE NORD,C=FR"),
    ],
)
def test_equal_dns_normalise_equal(left: str, right: str) -> None:
    assert normalise_dn(left) == normalise_dn(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("CN=mx.a.fr,OU=1750000000,O=CH A,C=FR", "CN=mx.b.fr,OU=1750000000,O=CH A,C=FR"),  # another host
        ("CN=mx.a.fr,OU=1750000000,O=CH A,C=FR", "CN=mx.a.fr,OU=1750000001,O=CH A,C=FR"),  # another structure
        ("CN=mx.a.fr,O=CH A,C=FR", "CN=mx.a.fr,OU=1,O=CH A,C=FR"),  # an attribute more
        ("CN=mx.a.fr,OU=1,OU=2,C=FR", "CN=mx.a.fr,OU=1,C=FR"),  # repeated attributes count
        ("CN=a,O=b+OU=c", "CN=a,O=b\\+OU=c"),  # escaping cannot forge an attribute
        (
            'CN=x,O=CENTRE HOSPITALIER "FRANCK-JOLY",C=FR',  # both forms are on the real whitelist
            'CN=x,O="CENTRE HOSPITALIER  FRANCK-JOLY",C=FR',
        ),
    ],
)
def test_different_dns_normalise_differently(left: str, right: str) -> None:
    assert normalise_dn(left) != normalise_dn(right)


def test_server_subject_string_is_exactly_the_audit_whitelist_entry(dev_pki: PKIFixture, tmp_path: Path) -> None:
    assert AUDIT_VALID_DN in _whitelist_dns()
    pki = copy_test_pki(dev_pki, tmp_path / "pki").pki
    issued = pki.issue_server(
        "cert-valide-audit.espacedeconfiance.mssante.fr",
        organisation="CAPGEMINI TECHNOLOGY SERVICES",
        structure_id="347976684200724",
        state="Hauts-de-Seine (92)",
        name="audit",
    )
    cert = read_certificates(issued.cert_path)[0]
    assert subject_dn_string(cert) == issued.subject_dn == AUDIT_VALID_DN


def test_every_real_whitelist_dn_parses_into_its_five_attributes() -> None:
    dns = _whitelist_dns()
    assert len(dns) > 300
    for dn in dns:
        types = [t for t, _ in parse_dn(dn)]
        assert types[:3] == ["CN", "OU", "O"], dn
        assert types[3] in ("ST", "L") and types[4:] == ["C"], dn
        assert normalise_dn(normalise_dn(dn)) == normalise_dn(dn), dn


def test_subject_string_escapes_what_rfc_4514_requires() -> None:
    name = x509.Name(
        [
            x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Lab, Site Nord"),
            x509.NameAttribute(x509.NameOID.COMMON_NAME, "a+b"),
        ]
    )
    rendered = name_dn_string(name)
    assert rendered == r"CN=a\+b,O=Lab\, Site Nord,C=FR"
    assert normalise_dn(rendered) == normalise_dn('CN="a+b",O="Lab, Site Nord",C=FR')
