"""`caducee queue list|retry|delete` on a real instance folder."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailserver import config, runtime
from mailserver.cli import main
from mailserver.queue.service import open_spool
from mailserver.store.mail import NewMessage
from mailserver.store.queue import SpoolRecipient


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("queue-cli") / "a"
    assert main(["init", str(directory), "--domain", "a.test"]) == 0
    return directory / "caducee.toml"


def _enqueue(cfg: Path, address: str) -> None:
    settings = config.load(cfg)

    async def go() -> None:
        async with runtime.opened_store(settings) as store:
            message = NewMessage(b"Subject: x\r\n\r\nbody\r\n", "{}", None, datetime.now(UTC))
            await open_spool(settings, store).enqueue(message, "postmaster@a.test", [SpoolRecipient(address)])

    asyncio.run(go())


def test_queue_list_retry_and_delete(instance: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(instance)
    assert main(["queue", "list", "-c", cfg]) == 0
    assert "the queue is empty" in capsys.readouterr().out
    _enqueue(instance, "bob@b.test")
    assert main(["queue", "list", "-c", cfg]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "bob@b.test" in ln)
    entry_id = line.split("\t")[0]
    assert "<postmaster@a.test>" in line
    assert main(["queue", "retry", "--all", "-c", cfg]) == 0
    assert "1 recipient(s) due now" in capsys.readouterr().out
    assert main(["queue", "delete", entry_id, "-c", cfg]) == 0
    assert "removed bob@b.test" in capsys.readouterr().out
    assert main(["queue", "delete", entry_id, "-c", cfg]) == 1
    assert main(["queue", "retry", "-c", cfg]) == 2  # neither an ID nor --all
