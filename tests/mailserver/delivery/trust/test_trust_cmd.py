"""`caducee trust import|refresh|list|check` on a real instance made by `caducee init`."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailserver import config
from mailserver.cli import main
from tests.mailserver.delivery.trust.conftest import FileServer
from tests.mailserver.delivery.trust.test_whitelist import FULL, REAL, TRIMMED


@pytest.fixture(scope="module")
def instance_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trust-cli") / "op"
    args = [
        "init",
        str(folder),
        "--domain",
        "ch-exemple.test",
        "--organisation",
        "CH Exemple",
        "--structure-id",
        "1750000000",
    ]
    assert main(args) == 0
    return folder / "caducee.toml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_import_list_and_check_of_the_real_file(instance_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(instance_config)
    code, out, _ = run(capsys, "trust", "import", "-c", cfg, str(FULL))
    assert code == 0 and "imported 6525 entries" in out and "skipped 1 unusable entries" in out
    code, out, _ = run(capsys, "trust", "import", "-c", cfg, str(FULL))
    assert code == 0 and out.startswith("unchanged")
    code, out, _ = run(capsys, "trust", "list", "-c", cfg)
    assert code == 0 and "in force: 6525 entries" in out and "generated 2025-03-13T14:54:10Z" in out
    code, out, _ = run(capsys, "trust", "check", "-c", cfg, "ADSEA29.mssante.fr")
    assert code == 0 and "CN=medimail-asip.mipih.fr,OU=318310021300028" in out
    code, out, _ = run(capsys, "trust", "check", "-c", cfg, "gmail.com")
    assert code == 1 and "not in the trust space" in out
    code, out, _ = run(capsys, "trust", "check", "-c", cfg, "ch-exemple.test")
    assert code == 0 and "this operator's own certificate" in out


def test_refresh_from_the_configured_url_reports_changes_and_refuses_a_bad_copy(
    instance_config: Path, capsys: pytest.CaptureFixture[str], file_server: FileServer
) -> None:
    cfg = str(instance_config)
    config.set_value(cfg, "trust.url", file_server.put("liste.xml", TRIMMED.read_bytes()))
    checksum = (REAL / "listeblanchemssante-2025-03-14.checksum").read_bytes()
    config.set_value(cfg, "trust.checksum_url", file_server.put("liste.sha256", checksum))
    code, out, _ = run(capsys, "trust", "refresh", "-c", cfg)
    assert code == 0 and "imported 614 entries" in out and "domains: +" in out and "- domain\t" in out
    file_server.put("liste.xml", TRIMMED.read_bytes()[:100_000])
    code, _, err = run(capsys, "trust", "refresh", "-c", cfg)
    assert code == 1 and "does not match its published SHA-256" in err
    code, out, _ = run(capsys, "trust", "list", "-c", cfg)
    assert "in force: 614 entries" in out
