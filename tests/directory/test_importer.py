"""Import of generated extraction files in the exact national format: both header variants, accents, a
duplicated address, short and long lines, a wrong encoding, idempotent re-import and diff import."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from directory.entries import (
    MAILBOX_COLUMNS,
    ORGANISATION_COLUMNS,
    PRACTITIONER_COLUMNS,
    mailbox_values,
    organisation_values,
    practitioner_values,
)
from directory.extraction import HEADER_V1, HEADER_V2, ExtractionError, ExtractionRow, parse_line
from directory.importer import import_extraction
from directory.local import upsert_local_mailbox
from directory.models import mailboxes, name_tokens
from directory.records import LOCAL_VIEWER, LocalMailbox, Rejection, SearchQuery
from directory.search import get_by_address, search
from directory.synthetic import org_fields, per_fields, synthetic_lines
from tests.directory.conftest import clock, write_extraction


def per(address: str, rpps: str, family: str, given: str, **kw: str) -> str:
    return "|".join(per_fields(address, rpps, family, given, **kw))


BASE_LINES = [
    per(
        "helene.beranger@chu.mssante.fr",
        "10000000001",
        "BÉRANGER",
        "Hélène",
        structure="1750000001",
        legal_name="CHU SYNTHÉTIQUE",
        postcode="69003",
        city="LYON",
    ),
    per("jean.stmartin@chu.mssante.fr", "10000000002", "ST-MARTIN", "Jean-François"),
    "|".join(org_fields("urgences@chu.mssante.fr", "1750000001", "CHU SYNTHÉTIQUE", "Urgences")),
]


@pytest.mark.parametrize("header", [HEADER_V1, HEADER_V2, None], ids=["v1-header", "v2-header", "no-header"])
async def test_both_header_variants_import_by_position(engine: AsyncEngine, tmp_path: Path, header: str | None) -> None:
    path = write_extraction(tmp_path / "e.txt", BASE_LINES, header=header)
    summary = await import_extraction(engine, path, clock=clock)
    assert (summary.lines, summary.added, summary.rejected) == (3, 3, 0)
    entry = await get_by_address(engine, "helene.beranger@chu.mssante.fr")
    assert entry is not None and entry.practitioner is not None and entry.organisation is not None
    assert (entry.practitioner.family_name, entry.practitioner.given_name) == ("BÉRANGER", "Hélène")
    assert entry.practitioner.national_id == "810000000001"
    assert (entry.organisation.legal_name, entry.organisation.postcode, entry.organisation.city) == (
        "CHU SYNTHÉTIQUE",
        "69003",
        "LYON",
    )


async def test_crlf_line_ends_and_byte_order_mark_are_accepted(engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_extraction(tmp_path / "e.txt", BASE_LINES, header="\ufeff" + HEADER_V1, newline=b"\r\n")
    summary = await import_extraction(engine, path, clock=clock)
    assert (summary.added, summary.rejected) == (3, 0)


async def test_bad_lines_are_reported_with_line_number_and_reason_and_the_import_continues(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    short = "|".join(per_fields("short@x.mssante.fr", "10000000010", "COURT", "Paul")[:20])
    long_line = per("long@x.mssante.fr", "10000000011", "LONG", "Paul") + "|extra|fields"
    trailing_empty = per("trailing@x.mssante.fr", "10000000012", "VIDE", "Paul") + "|"
    latin1 = per("latin@x.mssante.fr", "10000000013", "LÉGER", "Hélène").encode("latin-1")
    bad_type = per("type@x.mssante.fr", "10000000014", "TYPE", "Paul").replace("PER|", "XYZ|", 1)
    bad_address = per("not-an-address", "10000000015", "ADRESSE", "Paul")
    lines = [BASE_LINES[0], short, long_line, trailing_empty, latin1, bad_type, bad_address, BASE_LINES[1]]
    first_bad_byte = latin1.index("É".encode("latin-1")) + 1
    reported: list[Rejection] = []
    summary = await import_extraction(
        engine, write_extraction(tmp_path / "e.txt", lines), clock=clock, on_rejection=reported.append
    )
    assert (summary.added, summary.rejected) == (3, 5)
    assert [(r.line_number, r.reason) for r in reported] == [
        (3, "20 fields, expected 31"),
        (4, "33 fields, expected 31"),
        (6, f"not UTF-8 (byte {first_bad_byte})"),
        (7, "unknown mailbox type"),
        (8, "malformed mailbox address"),
    ]
    assert await get_by_address(engine, "trailing@x.mssante.fr") is not None  # an empty 32nd field is tolerated
    assert all("LÉGER" not in r.reason and "latin" not in r.reason for r in reported)  # no content in reasons


async def test_a_duplicated_address_keeps_the_first_line(engine: AsyncEngine, tmp_path: Path) -> None:
    first = per("dup@chu.mssante.fr", "10000000020", "PREMIER", "Paul", structure="1750000001")
    second = per("dup@chu.mssante.fr", "10000000020", "PREMIER", "Paul", structure="1750000002")
    summary = await import_extraction(
        engine, write_extraction(tmp_path / "e.txt", [first, *BASE_LINES, second]), clock=clock, batch_lines=2
    )
    assert (summary.added, summary.duplicates) == (4, 1)
    entry = await get_by_address(engine, "DUP@chu.mssante.fr")
    assert entry is not None and entry.organisation is not None
    assert entry.organisation.national_id == "1750000001"


async def test_reimporting_the_same_file_changes_nothing(engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_extraction(tmp_path / "e.txt", list(synthetic_lines(500, duplicates=5)))
    first = await import_extraction(engine, path, clock=clock, batch_lines=64)
    assert (first.added, first.duplicates, first.rejected) == (495, 5, 0)
    before = await _snapshot(engine)
    second = await import_extraction(engine, path, clock=clock, batch_lines=64)
    assert (second.added, second.changed, second.removed, second.unchanged) == (0, 0, 0, 495)
    assert await _snapshot(engine) == before


async def test_a_zip_of_the_extraction_imports_like_the_text(engine: AsyncEngine, tmp_path: Path) -> None:
    text_file = write_extraction(tmp_path / "Extraction_Correspondance_MSSante_202611260600.txt", BASE_LINES)
    archive = tmp_path / "Extraction_Correspondance_MSSante_202611260600.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(text_file, text_file.name)
    summary = await import_extraction(engine, archive, clock=clock)
    assert summary.added == 3


async def test_a_zip_without_one_text_file_is_refused(engine: AsyncEngine, tmp_path: Path) -> None:
    archive = tmp_path / "e.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "x")
        z.writestr("b.txt", "y")
    with pytest.raises(ExtractionError):
        await import_extraction(engine, archive, clock=clock)


async def test_diff_import_adds_changes_and_marks_gone_without_deleting(engine: AsyncEngine, tmp_path: Path) -> None:
    await import_extraction(engine, write_extraction(tmp_path / "day1.txt", BASE_LINES), clock=clock)
    changed = per(
        "jean.stmartin@chu.mssante.fr", "10000000002", "ST-MARTIN", "Jean-François", speciality=("SM04", "Cardiologie")
    )
    added = per("new@chu.mssante.fr", "10000000003", "NOUVEAU", "Zoé")
    day2 = write_extraction(tmp_path / "day2.txt", [BASE_LINES[0], changed, added])
    summary = await import_extraction(engine, day2, clock=clock)
    assert (summary.added, summary.changed, summary.unchanged, summary.removed) == (1, 1, 1, 1)
    gone = await get_by_address(engine, "urgences@chu.mssante.fr")
    assert gone is not None and gone.gone_at is not None  # still resolvable for routing history
    page = await search(engine, SearchQuery(name="urgences"), LOCAL_VIEWER)
    assert page.entries == ()  # but no longer searchable
    entry = await get_by_address(engine, "jean.stmartin@chu.mssante.fr")
    assert entry is not None and entry.practitioner is not None
    assert entry.practitioner.speciality_code == "SM04"
    back = await import_extraction(engine, write_extraction(tmp_path / "day3.txt", BASE_LINES), clock=clock)
    assert back.changed == 2 and back.removed == 1
    revived = await get_by_address(engine, "urgences@chu.mssante.fr")
    assert revived is not None and revived.gone_at is None


async def test_a_file_without_valid_lines_marks_nothing_gone(engine: AsyncEngine, tmp_path: Path) -> None:
    await import_extraction(engine, write_extraction(tmp_path / "ok.txt", BASE_LINES), clock=clock)
    summary = await import_extraction(engine, write_extraction(tmp_path / "bad.txt", ["garbage|line"]), clock=clock)
    assert (summary.rejected, summary.removed) == (1, 0)


async def test_the_national_file_never_overwrites_a_local_mailbox(engine: AsyncEngine, tmp_path: Path) -> None:
    await upsert_local_mailbox(
        engine,
        LocalMailbox(
            "helene.beranger@chu.mssante.fr",
            "PER",
            family_name="LOCALE",
            given_name="Hélène",
            national_id="810000000001",
        ),
    )
    summary = await import_extraction(engine, write_extraction(tmp_path / "e.txt", BASE_LINES), clock=clock)
    assert summary.kept_local == 1
    entry = await get_by_address(engine, "helene.beranger@chu.mssante.fr")
    assert entry is not None and entry.is_local and entry.source == "local"


async def test_an_interrupted_first_import_leaves_nothing_and_the_next_run_imports_all(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    lines = [*synthetic_lines(40, duplicates=0), "garbage|line", BASE_LINES[0]]
    path = write_extraction(tmp_path / "e.txt", lines)

    class Interrupted(Exception):
        pass

    def stop(rejection: Rejection) -> None:
        raise Interrupted  # a failure once most batches are written

    with pytest.raises(Interrupted):
        await import_extraction(engine, path, clock=clock, on_rejection=stop, batch_lines=8)
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(mailboxes))).scalar_one() == 0
        assert (await conn.execute(select(func.count()).select_from(name_tokens))).scalar_one() == 0
        indexes = await conn.run_sync(lambda sync: {i["name"] for i in inspect(sync).get_indexes("dir_mailbox")})
    assert indexes == {i.name for i in mailboxes.indexes}
    summary = await import_extraction(engine, path, clock=clock, batch_lines=8)
    assert (summary.added, summary.rejected) == (41, 1)
    page = await search(engine, SearchQuery(name="beranger"), LOCAL_VIEWER)
    assert "helene.beranger@chu.mssante.fr" in [e.address for e in page.entries]


def test_rows_built_from_a_line_put_each_value_in_its_column() -> None:
    row = parse_line(BASE_LINES[0].encode(), 2)
    assert isinstance(row, ExtractionRow)
    box, tokens = mailbox_values(row, "national", "STAMP")
    assert len(box) == len(MAILBOX_COLUMNS)
    assert dict(zip(MAILBOX_COLUMNS, box, strict=True)) == {
        "address": "helene.beranger@chu.mssante.fr",
        "type": "PER",
        "description": "",
        "service": "",
        "practitioner_id": "810000000001",
        "organisation_id": "1750000001",
        "dematerialisation": "O",
        "liste_rouge": False,
        "is_local": False,
        "source": "national",
        "row_hash": row.row_hash,
        "sort_key": "beranger helene",
        "profession_code": "10",
        "speciality_code": "SM54",
        "profession_norm": "medecin",
        "speciality_norm": "medecine generale",
        "postcode": "69003",
        "city_norm": "lyon",
        "cn_norm": "helene beranger",
        "sn_norm": "beranger",
        "given_norm": "helene",
        "o_norm": "chu synthetique",
        "name_tokens": "beranger helene",
        "created_at": "STAMP",
        "updated_at": "STAMP",
        "gone_at": None,
    }
    assert tokens == ["beranger", "helene"]
    person = dict(zip(PRACTITIONER_COLUMNS, practitioner_values(row, "STAMP"), strict=True))
    assert (person["national_id"], person["family_name"], person["given_name"]) == (
        "810000000001",
        "BÉRANGER",
        "Hélène",
    )
    assert (person["profession_label"], person["sort_key"], person["updated_at"]) == (
        "Médecin",
        "beranger helene",
        "STAMP",
    )
    structure = dict(zip(ORGANISATION_COLUMNS, organisation_values(row, "STAMP"), strict=True))
    assert (structure["national_id"], structure["legal_name"], structure["name_norm"]) == (
        "1750000001",
        "CHU SYNTHÉTIQUE",
        "chu synthetique",
    )
    assert (structure["address_5"], structure["address_7"], structure["postcode"], structure["city"]) == (
        "R",
        "",
        "69003",
        "LYON",
    )


async def _snapshot(engine: AsyncEngine) -> tuple[object, ...]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(mailboxes).order_by(mailboxes.c.address))).all()
        tokens = (await conn.execute(select(func.count()).select_from(name_tokens))).scalar_one()
    return tuple(rows), tokens


@pytest.mark.postgres
async def test_import_and_reimport_on_postgresql(pg_engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_extraction(tmp_path / "e.txt", list(synthetic_lines(300, duplicates=3)))
    first = await import_extraction(pg_engine, path, clock=clock, batch_lines=100)
    second = await import_extraction(pg_engine, path, clock=clock, batch_lines=100)
    assert (first.added, first.duplicates) == (297, 3)
    assert (second.unchanged, second.changed, second.added) == (297, 0, 0)
    page = await search(pg_engine, SearchQuery(name="hel"), LOCAL_VIEWER)
    assert page.entries and all("hel" in e.display_name.lower().replace("é", "e") for e in page.entries)
