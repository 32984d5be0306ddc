"""Writing configuration files: the documented example, an instance's file, and `config get/set` edits.

Owns the text form of the schema. Comments of an edited file are kept (tomlkit). A file is replaced
atomically, and only after the edited document has passed validation.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from mailserver.config.loader import coerce, default_value, key_type, load, parse_document
from mailserver.config.schema import SECTIONS
from mailserver.errors import ConfigError

HEADER = """\
Caducée configuration. Every key is documented; a key that is left out takes the default shown.
Relative paths are resolved against the folder of this file.
Check it with `caducee check-config -c FILE`; edit it with `caducee config set KEY VALUE`."""


def _toml_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


def render(values: dict[str, dict[str, Any]] | None = None, *, use_examples: bool = False) -> str:
    """A complete, commented TOML document. `values` overrides keys; `use_examples` shows example values."""
    values = values or {}
    doc = tomlkit.document()
    for line in HEADER.splitlines():
        doc.add(tomlkit.comment(line))
    for name, cls in SECTIONS.items():
        doc.add(tomlkit.nl())
        table = tomlkit.table()
        if cls.__doc__:
            table.add(tomlkit.comment(cls.__doc__.strip()))
        for f in fields(cls):
            default = f.default_factory() if f.default is MISSING else f.default  # type: ignore[operator]
            value = default
            if use_examples and f.metadata.get("example") is not None:
                value = f.metadata["example"]
            if f.name in values.get(name, {}):
                value = values[name][f.name]
            table.add(tomlkit.comment(f.metadata["help"]))
            if isinstance(value, dict):
                inline = tomlkit.inline_table()
                inline.update(value)
                table.add(f.name, inline)
            else:
                table.add(f.name, _toml_value(value))
        doc.add(name, table)
    text = tomlkit.dumps(doc)
    parse_document(tomllib.loads(text), ".")  # never write a file that would not load
    return text


def example() -> str:
    """The text of `deploy/caducee.example.toml`."""
    return render(use_examples=True)


def _split(key: str) -> tuple[str, str]:
    section, sep, name = key.partition(".")
    if not sep or not name:
        raise ConfigError(key, "expected SECTION.KEY, such as smtp.mx")
    key_type(section, name)
    return section, name


def get_value(path: str | Path, key: str) -> Any:
    """The effective value of `key` in the file at `path` (the file's value or the schema default)."""
    section, name = _split(key)
    settings = load(path)
    value = getattr(getattr(settings, section), name)
    return value if value is not None else default_value(section, name)


def format_value(value: Any) -> str:
    """A value as `config get` prints it: TOML literal syntax for anything but a plain string."""
    if isinstance(value, str):
        return value
    item = tomlkit.item(_toml_value(value))
    return str(item.as_string())


def _parse_cli_value(key: str, tp: Any, raw: str) -> Any:
    if tp is str:
        return raw
    try:
        parsed = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        raise ConfigError(key, f"cannot read {raw!r} as a TOML value") from None
    return coerce(key, tp, parsed)


def set_value(path: str | Path, key: str, raw: str) -> None:
    """Set `key` to `raw` (TOML syntax for non-strings) in the file, keeping its comments."""
    section, name = _split(key)
    p = Path(path)
    try:
        doc = tomlkit.parse(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(p), "no such file") from None
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(str(p), f"invalid TOML: {exc}") from None
    value = _toml_value(_parse_cli_value(key, key_type(section, name), raw))
    if section not in doc:
        doc.add(section, tomlkit.table())
    table = doc[section]
    assert isinstance(table, Table)
    table[name] = value
    text = tomlkit.dumps(doc)
    parse_document(tomllib.loads(text), str(p.resolve().parent))
    write_atomically(p, text)


def write_atomically(path: Path, text: str, mode: int = 0o640) -> None:
    """Replace `path` with `text` so that a crash leaves either the old or the new file, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
