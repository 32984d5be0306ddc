"""Local mailboxes appear in the directory and are exported in the national format with their liste_rouge flag;
certificates are parsed from DER and bound to mailboxes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy.ext.asyncio import AsyncEngine

from directory.certificates import CertificateInputError, add_certificate, certificate_record, certificates_for
from directory.export import LISTE_ROUGE_LABEL, local_entries, write_extraction
from directory.extraction import COLUMNS, ExtractionRow, parse_line
from directory.importer import import_extraction
from directory.local import DirectoryInputError, upsert_local_mailbox
from directory.records import PUBLIC_VIEWER, USAGE_ENCRYPTION, LocalMailbox, SearchQuery
from directory.search import search
from directory.synthetic import per_fields
from tests.directory.conftest import PkiForTests, clock
from tests.directory.conftest import write_extraction as write_file

LOCAL = LocalMailbox(
    "dr.noel@ch-exemple.mssante.fr",
    "PER",
    service="Pédiatrie",
    national_id="810000000042",
    civility="DR",
    family_name="NOËL",
    given_name="Gaëlle",
    profession_code="10",
    profession_label="Médecin",
    speciality_code="SM40",
    speciality_label="Pédiatrie",
    organisation_id="1750000000",
    organisation_name="CH EXEMPLE",
)


async def test_a_local_mailbox_is_searchable_at_once_and_updates_in_place(engine: AsyncEngine) -> None:
    await upsert_local_mailbox(engine, LOCAL)
    page = await search(engine, SearchQuery(name="gaelle noel"), PUBLIC_VIEWER)
    assert [e.address for e in page.entries] == [LOCAL.address]
    assert page.entries[0].is_local and page.entries[0].organisation is not None
    await upsert_local_mailbox(
        engine,
        LocalMailbox(LOCAL.address, "PER", family_name="NOËL-DURAND", given_name="Gaëlle", national_id="810000000042"),
    )
    assert [e.address for e in (await search(engine, SearchQuery(name="durand"), PUBLIC_VIEWER)).entries] == [
        LOCAL.address
    ]


async def test_a_local_mailbox_with_an_unknown_type_is_refused(engine: AsyncEngine) -> None:
    with pytest.raises(DirectoryInputError):
        await upsert_local_mailbox(engine, LocalMailbox("x@y.fr", "XYZ"))


async def test_export_writes_only_local_mailboxes_in_31_columns_plus_the_liste_rouge_flag(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    national = "|".join(per_fields("national@autre.mssante.fr", "10000000001", "MARTIN", "Jean"))
    await import_extraction(engine, write_file(tmp_path / "e.txt", [national]), clock=clock)
    await upsert_local_mailbox(engine, LOCAL)
    await upsert_local_mailbox(
        engine, LocalMailbox("discret@ch-exemple.mssante.fr", "ORG", service="Addictologie", liste_rouge=True)
    )
    out = io.StringIO()
    assert write_extraction(await local_entries(engine), out) == 2
    header, *lines = out.getvalue().splitlines()
    assert header.split("|")[-1] == LISTE_ROUGE_LABEL and len(header.split("|")) == COLUMNS + 1
    flags = {line.split("|")[1]: line.split("|")[-1] for line in lines}
    assert flags == {"discret@ch-exemple.mssante.fr": "O", LOCAL.address: "N"}
    row = parse_line("|".join(lines[1].split("|")[:COLUMNS]).encode(), 3)  # our own parser reads it back
    assert isinstance(row, ExtractionRow)
    assert (row.address, row.pp_national_id, row.family_name, row.speciality_code, row.legal_name) == (
        LOCAL.address,
        "810000000042",
        "NOËL",
        "SM40",
        "CH EXEMPLE",
    )


async def test_certificates_are_parsed_bound_and_filtered_by_validity(engine: AsyncEngine, pki: PkiForTests) -> None:
    cert, _ = pki.issue("Gaëlle Noël", email=LOCAL.address)
    der = cert.public_bytes(serialization.Encoding.DER)
    record = certificate_record(der, USAGE_ENCRYPTION, address=LOCAL.address.upper())
    await add_certificate(engine, record)
    await add_certificate(engine, record)  # idempotent
    found = await certificates_for(engine, addresses=[LOCAL.address])
    assert [(c.fingerprint, c.serial, c.usage) for c in found] == [
        (record.fingerprint, format(cert.serial_number, "x"), "encryption")
    ]
    assert found[0].der == der and "Gaëlle Noël" in found[0].subject
    assert (
        await certificates_for(
            engine,
            addresses=[LOCAL.address],
            valid_at=cert.not_valid_after_utc.replace(year=cert.not_valid_after_utc.year + 1),
        )
        == []
    )


def test_garbage_is_not_a_certificate() -> None:
    with pytest.raises(CertificateInputError):
        certificate_record(b"not a certificate", USAGE_ENCRYPTION, address="a@b.fr")
