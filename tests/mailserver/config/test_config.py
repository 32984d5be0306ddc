"""Configuration: validation errors name the key or path and exit 2; the example is current; get/set keep comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailserver import config
from mailserver.cli import main
from mailserver.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
MINIMAL = '[instance]\ndomain = "ch-exemple.fr"\n'


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "caducee.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_loads_and_is_generated_from_the_schema() -> None:
    example = REPO / "deploy" / "caducee.example.toml"
    assert example.read_text(encoding="utf-8") == config.example(), "run: caducee config example > deploy/..."
    settings = config.load(example)
    assert settings.instance.domain == "ch-exemple.fr"
    assert settings.queue.routes == {"partenaire.test": "127.0.0.1:2526"}


def test_defaults_are_the_development_ports(tmp_path: Path) -> None:
    s = config.load(_write(tmp_path, MINIMAL))
    listeners = (s.smtp.mx, s.smtp.submission, s.smtp.submissions, s.imap.imap, s.imap.imaps, s.web.https)
    assert [a.rpartition(":")[2] for a in listeners] == ["2525", "2587", "2465", "2143", "2993", "8443"]
    assert all(a.startswith("127.0.0.1:") for a in listeners)


def test_every_key_has_help_text_in_the_example() -> None:
    lines = config.example().splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert lines[i - 1].startswith("#"), f"no help above {line!r}"


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        (MINIMAL + '[smtp]\nmax_message_size = "big"\n', "smtp.max_message_size", "expected an integer"),
        (MINIMAL + '[smtp]\nmxx = "127.0.0.1:25"\n', "smtp.mxx", "unknown key"),
        (MINIMAL + "[smpt]\n", "smpt", "unknown section"),
        (MINIMAL + '[smtp]\nmx = "nowhere"\n', "smtp.mx", "HOST:PORT"),
        (MINIMAL + '[smtp]\nmx = "127.0.0.1:70000"\n', "smtp.mx", "HOST:PORT"),
        (MINIMAL + "[directory]\nanonymous_bind = 1\n", "directory.anonymous_bind", "true or false"),
        (MINIMAL + '[trust]\nanchors = "a.pem"\n', "trust.anchors", "array of strings"),
        (MINIMAL + "[smtp]\nmax_recipients = -1\n", "smtp.max_recipients", "negative"),
        (MINIMAL + '[log]\nlevel = "LOUD"\n', "log.level", "DEBUG"),
        (MINIMAL + '[store]\nurl = "mysql://x"\n', "store.url", "sqlite"),
        ("[instance]\n", "instance.domain", "required"),
        ('[instance]\ndomain = ""\n', "instance.domain", "empty"),
    ],
)
def test_invalid_configuration_names_the_key_and_the_reason(tmp_path: Path, text: str, where: str, reason: str) -> None:
    with pytest.raises(ConfigError) as err:
        config.load(_write(tmp_path, text))
    assert err.value.where == where
    assert reason in err.value.reason


def test_missing_file_and_bad_toml_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file") as err:
        config.load(tmp_path / "nope.toml")
    assert err.value.where.endswith("nope.toml")
    with pytest.raises(ConfigError, match="invalid TOML"):
        config.load(_write(tmp_path, "[instance\n"))


def test_the_command_exits_2_with_the_key_in_the_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, MINIMAL + '[imap]\nidle_timeout = "soon"\n')
    assert main(["check-config", "-c", str(path)]) == 2
    err = capsys.readouterr().err
    assert "imap.idle_timeout" in err and "Traceback" not in err
    assert main(["check-config", "-c", str(tmp_path / "absent.toml")]) == 2
    assert "absent.toml" in capsys.readouterr().err


def test_config_set_keeps_comments_and_get_reads_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "# operator note: keep me\n" + MINIMAL + '[smtp]\n# our MX\nmx = "127.0.0.1:2525"\n')
    assert main(["config", "set", "-c", str(path), "smtp.mx", "0.0.0.0:25"]) == 0
    assert main(["config", "set", "-c", str(path), "smtp.max_recipients", "50"]) == 0
    assert main(["config", "set", "-c", str(path), "trust.anchors", '["a.pem", "b.pem"]']) == 0
    text = path.read_text()
    assert "# operator note: keep me" in text and "# our MX" in text
    capsys.readouterr()
    assert main(["config", "get", "-c", str(path), "smtp.mx"]) == 0
    assert main(["config", "get", "-c", str(path), "smtp.max_recipients"]) == 0
    assert main(["config", "get", "-c", str(path), "trust.anchors"]) == 0
    assert main(["config", "get", "-c", str(path), "imap.imaps"]) == 0
    assert capsys.readouterr().out.splitlines() == ["0.0.0.0:25", "50", '["a.pem", "b.pem"]', "127.0.0.1:2993"]


def test_config_set_refuses_a_bad_value_and_leaves_the_file_alone(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL)
    assert main(["config", "set", "-c", str(path), "smtp.max_recipients", "many"]) == 2
    assert main(["config", "set", "-c", str(path), "smtp.nope", "1"]) == 2
    assert main(["config", "set", "-c", str(path), "smtp.mx", "bad"]) == 2
    assert path.read_text() == MINIMAL
