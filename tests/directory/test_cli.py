"""`caducee directory import|search|show|export` against a real configuration file and SQLite database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from directory.local import upsert_local_mailbox
from directory.records import LocalMailbox
from directory.schema import create_schema
from directory.synthetic import per_fields
from mailserver.cli import main
from tests.directory.conftest import write_extraction


@pytest.fixture
def configured(tmp_path: Path) -> Path:
    config = tmp_path / "caducee.toml"
    config.write_text('[instance]\ndomain = "ch-test.fr"\n\n[store]\nurl = "sqlite:///data/caducee.db"\n')

    async def prepare() -> None:
        from mailserver.store.engine import create_engine

        engine = create_engine("sqlite:///data/caducee.db", tmp_path)
        await create_schema(engine)
        await upsert_local_mailbox(
            engine,
            LocalMailbox(
                "discret@ch-test.mssante.fr",
                "PER",
                family_name="DISCRET",
                given_name="Anne",
                national_id="899999999999",
                liste_rouge=True,
            ),
        )
        await engine.dispose()

    asyncio.run(prepare())
    return config


def test_import_search_show_and_export(configured: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["|".join(per_fields("helene@ch-test.mssante.fr", "10000000001", "BÉRANGER", "Hélène")), "bad|line"]
    extraction = write_extraction(tmp_path / "e.txt", lines)
    assert main(["directory", "import", "-c", str(configured), str(extraction)]) == 0
    out, err = capsys.readouterr()
    assert "1 added" in out and "1 rejected" in out
    assert "e.txt:3: rejected: 2 fields, expected 31" in err

    assert main(["directory", "search", "-c", str(configured), "--name", "helene"]) == 0
    assert capsys.readouterr().out.startswith("helene@ch-test.mssante.fr | PER | Hélène BÉRANGER")

    assert main(["directory", "show", "-c", str(configured), "HELENE@ch-test.mssante.fr"]) == 0
    assert "810000000001" in capsys.readouterr().out
    assert main(["directory", "show", "-c", str(configured), "nobody@ch-test.mssante.fr"]) == 1

    exported = tmp_path / "export.txt"
    assert main(["directory", "export", "-c", str(configured), str(exported)]) == 0
    body = exported.read_text(encoding="utf-8").splitlines()
    assert len(body) == 2 and body[1].startswith("PER|discret@ch-test.mssante.fr|") and body[1].endswith("|O")


def test_a_missing_file_is_a_usage_error(configured: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["directory", "import", "-c", str(configured), "/nonexistent/extraction.txt"]) == 2
    assert "no such file" in capsys.readouterr().err
