"""The national whitelist format: the real published files load completely; damaged documents are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailserver.crypto.names import normalise_dn
from mailserver.delivery.trust.whitelist import WhitelistError, parse_whitelist
from tests.conftest import SHARED

REAL = SHARED / "data" / "real" / "whitelist"
FULL = REAL / "listeblanchemssante-2025-03-13-full.xml"
TRIMMED = REAL / "listeblanchemssante-2025-03-14.xml"


def independent_pairs(data: bytes) -> tuple[int, set[tuple[str, str]]]:
    """(number of <Domaine>, distinct (domain, DN key) pairs) read with regular expressions, not the parser."""
    text = data.decode("utf-8")
    blocks = re.findall(r"<Domaine>(.*?)</Domaine>", text, re.S)
    pairs = set()
    for block in blocks:
        name = re.search(r"<Nom>(.*?)</Nom>", block, re.S).group(1).strip().lower()  # type: ignore[union-attr]
        dn = re.search(r"<DNCertificatOperateur>(.*?)</DNCertificatOperateur>", block, re.S).group(1)  # type: ignore[union-attr]
        if "@" not in name:
            pairs.add((name, normalise_dn(dn.strip())))
    return len(blocks), pairs


def test_the_real_full_national_file_loads_completely() -> None:
    data = FULL.read_bytes()
    whitelist = parse_whitelist(data)
    elements, pairs = independent_pairs(data)
    assert whitelist.domain_elements == elements == 6554
    assert {(e.domain, e.dn_key) for e in whitelist.entries} == pairs
    assert len(whitelist.entries) + len(whitelist.skipped) == 6554
    # one published entry names a mailbox instead of a domain: reported, not silently dropped
    assert whitelist.skipped == ("entry 6055: 'sessad@ase.ditepbeziers.mssante.fr' is not a domain name",)
    assert whitelist.generated_at == "2025-03-13T14:54:10Z"
    assert len(whitelist.domains) > 5000


def test_the_real_trimmed_file_loads_and_its_entries_are_as_published() -> None:
    whitelist = parse_whitelist(TRIMMED.read_bytes())
    assert whitelist.domain_elements == 619 and not whitelist.skipped
    first = whitelist.entries[0]
    assert first.domain == "nddtestasmae.mssante.fr"
    assert first.dn == "CN=medimail-asip.mipih.fr,OU=318310021300028,O=GIP MIPIH,ST=Haute-Garonne (31),C=FR"
    assert first.description == "BREST LA SAUVEGARDE" and first.updated == "2025-03-14T15:34:10Z"


def test_the_national_files_unclosed_root_is_tolerated_but_a_cut_anywhere_else_is_refused() -> None:
    data = TRIMMED.read_bytes()
    assert not data.rstrip().endswith(b"</ListeBlancheMSSante>")  # as published
    parse_whitelist(data + b"</ListeBlancheMSSante>\n")
    for cut in (len(data) // 3, len(data) // 2, len(data) - len(b"</ListeDomaines>") - 5):
        with pytest.raises(WhitelistError, match="truncated"):
            parse_whitelist(data[:cut])


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (b'<?xml version="1.0"?><Other/>', "not an MSSante whitelist"),
        (b"<ListeBlancheMSSante><ListeDomaines></ListeDomaines></ListeBlancheMSSante>", "DateDeGeneration"),
        (
            b"<ListeBlancheMSSante><DateDeGeneration>x</DateDeGeneration><ListeDomaines>"
            b"<Domaine><Nom>a.test</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>",
            "no usable entry",
        ),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><ListeBlancheMSSante/>', "DTD"),
        (b"not xml at all", "not well-formed"),
    ],
)
def test_unusable_documents_are_refused(document: bytes, words: str) -> None:
    with pytest.raises(WhitelistError, match=words):
        parse_whitelist(document)


def test_domains_are_lower_cased_and_dns_get_an_order_free_key(tmp_path: Path) -> None:
    from tests.servers import whitelist_xml

    whitelist = parse_whitelist(
        whitelist_xml([("MX.Example.TEST.", "CN=mx, O=Op, C=FR"), ("b.test", "C=FR,O=Op,CN=mx")])
    )
    a, b = whitelist.entries
    assert a.domain == "mx.example.test" and a.dn_key == b.dn_key
