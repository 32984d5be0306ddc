"""`caducee serve`: starts on one asyncio loop with Twisted's reactor, logs JSON lines, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailserver.cli import main


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve") / "op"
    assert main(["init", str(folder), "--domain", "ch-serve.test"]) == 0
    config = folder / "caducee.toml"
    assert main(["config", "set", "-c", str(config), "log.format", "json"]) == 0
    return config


def _start(config: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "mailserver", "serve", "-c", str(config), *extra],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def _wait_for(
    proc: subprocess.Popen[str], message: str, count: int = 1, timeout: float = 30
) -> list[dict[str, object]]:
    assert proc.stderr is not None
    seen: list[dict[str, object]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        record = json.loads(line)
        seen.append(record)
        if sum(r.get("msg") == message for r in seen) >= count:
            return seen
    raise AssertionError(f"no {message!r} log line; saw {seen}")


def test_serve_logs_json_and_stops_on_sigterm(instance: Path) -> None:
    with _start(instance) as proc:
        try:
            records = _wait_for(proc, "serving")
            serving = next(r for r in records if r["msg"] == "serving")
            assert serving["level"] == "INFO" and serving["pid"] == proc.pid
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            proc.kill()


def test_workers_start_one_process_each_and_all_stop(instance: Path) -> None:
    with _start(instance, "--workers", "2") as proc:
        try:
            records = _wait_for(proc, "serving", count=2)
            pids = {r["pid"] for r in records if r["msg"] == "serving"}
            assert len(pids) == 2 and proc.pid not in pids
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            proc.kill()


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "x"), "--domain", "ch-nomig.test"]) == 0
    (tmp_path / "x" / "data" / "caducee.db").unlink()
    out = subprocess.run(
        [sys.executable, "-m", "mailserver", "serve", "-c", str(tmp_path / "x" / "caducee.toml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 4 and "caducee migrate" in out.stderr
