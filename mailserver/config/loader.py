"""Reading and validating `caducee.toml` against the schema.

Owns the rules that turn a TOML document into `Settings`. Every error names the key (or the file) and the
reason, as a `ConfigError` (the `caducee` command exits 2 on it). Never reads the environment.
"""

from __future__ import annotations

import tomllib
import typing
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from mailserver.config.schema import SECTIONS, Settings
from mailserver.errors import ConfigError

_LISTEN_SUFFIXES = ("mx", "submission", "submissions", "imap", "imaps", "https", "ldap", "ldaps")


def key_type(section: str, key: str) -> Any:
    """The declared Python type of `section.key`, or raise ConfigError if there is no such key."""
    if section not in SECTIONS:
        raise ConfigError(section, f"unknown section (known: {', '.join(SECTIONS)})")
    hints = typing.get_type_hints(SECTIONS[section])
    if key not in hints:
        raise ConfigError(f"{section}.{key}", "unknown key")
    return hints[key]


def _type_name(tp: Any) -> str:
    return {str: "a string", int: "an integer", bool: "true or false"}.get(tp) or (
        "an array of strings" if typing.get_origin(tp) is tuple else "a table of strings"
    )


def coerce(where: str, tp: Any, value: Any) -> Any:
    """Check `value` (as TOML parsed it) against `tp`; return the value in its settings form."""
    origin = typing.get_origin(tp)
    ok: bool
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is str:
        ok = isinstance(value, str)
    elif origin is tuple:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        value = tuple(value) if ok else value
    elif origin is dict:
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        value = {str(k): str(v) for k, v in value.items()} if ok else value
    else:  # pragma: no cover - the schema uses only the types above
        raise TypeError(tp)
    if not ok:
        raise ConfigError(where, f"expected {_type_name(tp)}, got {type(value).__name__} {value!r}")
    if tp is int and value < 0:
        raise ConfigError(where, f"must not be negative, got {value}")
    return value


def check_listen(where: str, value: str) -> None:
    """A listen address is empty (disabled) or HOST:PORT with a port from 1 to 65535; IPv6 as [ADDR]:PORT."""
    if value == "":
        return
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(where, f'expected HOST:PORT (or "" to disable), got {value!r}')


def parse_document(data: dict[str, Any], base_dir: str) -> Settings:
    """Validate a parsed TOML mapping and build Settings."""
    sections: dict[str, Any] = {}
    for name in data:
        if name not in SECTIONS:
            raise ConfigError(name, f"unknown section (known: {', '.join(SECTIONS)})")
        if not isinstance(data[name], dict):
            raise ConfigError(name, "expected a table ([section])")
    for name, cls in SECTIONS.items():
        given = dict(data.get(name, {}))
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for key in given:
            if key not in hints:
                raise ConfigError(f"{name}.{key}", "unknown key")
        for f in fields(cls):
            where = f"{name}.{f.name}"
            if f.name in given:
                values[f.name] = coerce(where, hints[f.name], given[f.name])
            elif f.metadata.get("required"):
                raise ConfigError(where, "required key is missing")
            if f.name in _LISTEN_SUFFIXES and f.name in values:
                check_listen(where, values[f.name])
            if f.metadata.get("required") and values.get(f.name) == "":
                raise ConfigError(where, "must not be empty")
        sections[name] = cls(**values)
    settings = Settings(**sections, base_dir=base_dir)
    _check_choices(settings)
    return settings


def _check_choices(s: Settings) -> None:
    if s.log.level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("log.level", f"expected DEBUG, INFO, WARNING or ERROR, got {s.log.level!r}")
    if s.log.format not in ("json", "text"):
        raise ConfigError("log.format", f"expected json or text, got {s.log.format!r}")
    if not s.store.url.startswith(("sqlite:///", "postgresql://", "postgresql+asyncpg://", "postgres://")):
        raise ConfigError("store.url", f"expected sqlite:///PATH or postgresql://..., got {s.store.url!r}")


def load(path: str | Path) -> Settings:
    """Read and validate the configuration file at `path`."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(str(p), "no such file (create one with `caducee init DIR --domain D`)") from None
    except OSError as exc:
        raise ConfigError(str(p), f"cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(str(p), "not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(p), f"invalid TOML: {exc}") from None
    return parse_document(data, str(p.resolve().parent))


def default_value(section: str, key: str) -> Any:
    """The schema default of `section.key`."""
    key_type(section, key)
    for f in fields(SECTIONS[section]):
        if f.name == key:
            return f.default_factory() if f.default is MISSING else f.default  # type: ignore[operator]
    raise ConfigError(f"{section}.{key}", "unknown key")  # pragma: no cover
