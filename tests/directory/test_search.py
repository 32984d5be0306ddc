"""Search: a table of accent, case and hyphen cases; liste_rouge hidden from outsiders; criteria and paging."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from directory.importer import import_extraction
from directory.local import remove_local_mailbox, upsert_local_mailbox
from directory.records import LOCAL_VIEWER, PUBLIC_VIEWER, LocalMailbox, SearchQuery
from directory.search import get_by_address, search
from directory.synthetic import org_fields, per_fields
from tests.directory.conftest import clock, write_extraction

PEOPLE = [
    ("helene@a.mssante.fr", "BÉRANGER", "Hélène"),
    ("marie-helene@a.mssante.fr", "DUBOIS", "Marie-Hélène"),
    ("stjean@a.mssante.fr", "ST-JEAN", "Paul"),
    ("saintjean@a.mssante.fr", "SAINT-JEAN", "Luc"),
    ("legoff@a.mssante.fr", "LE GOFF", "Anne"),
    ("dartagnan@a.mssante.fr", "D'ARTAGNAN", "Charles"),
    ("oeuvre@a.mssante.fr", "LŒUVRE", "Zoé"),
    ("martin@a.mssante.fr", "MARTIN", "Jean"),
    ("martine@a.mssante.fr", "DURAND", "Martine"),
    ("martinez@a.mssante.fr", "MARTINEZ", "Jean"),
]


@pytest.fixture
async def directory(engine: AsyncEngine, tmp_path: Path) -> AsyncEngine:
    lines = [
        "|".join(
            per_fields(
                address,
                f"1{n:010d}",
                family,
                given,
                postcode="69003" if n % 2 else "75014",
                city="LYON" if n % 2 else "PARIS",
                speciality=("SM04", "Cardiologie") if n % 3 == 0 else ("SM54", "Médecine générale"),
            )
        )
        for n, (address, family, given) in enumerate(PEOPLE)
    ]
    lines.append("|".join(org_fields("cardio@chu.mssante.fr", "1690000001", "HÔPITAL ÉDOUARD HERRIOT", "Cardiologie")))
    await import_extraction(engine, write_extraction(tmp_path / "e.txt", lines), clock=clock)
    await upsert_local_mailbox(
        engine,
        LocalMailbox(
            "discret@a.mssante.fr",
            "PER",
            national_id="899999999999",
            family_name="BÉRANGER",
            given_name="Hélène",
            liste_rouge=True,
        ),
    )
    return engine


async def _names(engine: AsyncEngine, viewer=PUBLIC_VIEWER, **criteria: object) -> list[str]:
    page = await search(engine, SearchQuery(**criteria), viewer)  # type: ignore[arg-type]
    return [e.address.split("@")[0] for e in page.entries]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("helene", ["helene", "marie-helene"]),  # accent folded; any word of the name, hyphen splits words
        ("HÉLÈNE", ["helene", "marie-helene"]),  # case and accents in the query too
        ("Hel", ["helene", "marie-helene"]),  # prefix
        ("marie-helene", ["marie-helene"]),  # both words must match
        ("mariehelene", ["marie-helene"]),  # typed without the hyphen
        ("saint", ["saintjean", "stjean"]),  # "saint" finds the "St-" form
        ("st jean", ["saintjean", "stjean"]),  # and "st" the "Saint-" form
        ("le goff", ["legoff"]),
        ("legoff", ["legoff"]),
        ("goff", ["legoff"]),
        ("dartagnan", ["dartagnan"]),  # apostrophe
        ("d'artagnan", ["dartagnan"]),
        ("loeuvre", ["oeuvre"]),  # ligature œ
        ("martin", ["martin", "martine", "martinez"]),  # exact word first, then longer ones
        ("martin jean", ["martin", "martinez"]),
        ("zzz", []),
    ],
)
async def test_name_search_table(directory: AsyncEngine, query: str, expected: list[str]) -> None:
    assert await _names(directory, name=query) == expected


async def test_liste_rouge_is_hidden_from_public_viewers_but_routes(directory: AsyncEngine) -> None:
    assert "discret" not in await _names(directory, name="helene")
    assert "discret" in await _names(directory, LOCAL_VIEWER, name="helene")
    entry = await get_by_address(directory, "discret@a.mssante.fr")
    assert entry is not None and entry.liste_rouge


async def test_criteria_combine(directory: AsyncEngine) -> None:
    assert await _names(directory, name="jean", city="lyon") == ["martin", "martinez", "saintjean"]
    assert await _names(directory, city="par", speciality="SM04") == ["helene", "oeuvre"]
    assert await _names(directory, postcode="69", speciality="cardio") == ["martinez", "saintjean"]
    assert await _names(directory, organisation="herriot") == ["cardio"]
    assert await _names(directory, organisation="edouard hopital") == ["cardio"]
    assert await _names(directory, profession="10", name="martine") == ["martine", "martinez"]
    assert await _names(directory, profession="pharm", name="martine") == []
    assert await _names(directory, address="legoff@") == ["legoff"]
    assert await _names(directory, mailbox_type="ORG") == ["cardio"]


async def test_paging_walks_every_result_once(directory: AsyncEngine) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        page = await search(directory, SearchQuery(name="mart", limit=2, offset=offset), PUBLIC_VIEWER)
        seen += [e.address for e in page.entries]
        if not page.has_more:
            break
        offset += 2
    assert len(seen) == len(set(seen)) == 3


async def test_a_removed_local_mailbox_leaves_search(directory: AsyncEngine) -> None:
    assert await remove_local_mailbox(directory, "discret@a.mssante.fr")
    assert await get_by_address(directory, "discret@a.mssante.fr") is None
    assert not await remove_local_mailbox(directory, "helene@a.mssante.fr")  # national entries stay
