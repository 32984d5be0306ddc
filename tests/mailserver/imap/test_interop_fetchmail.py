"""fetchmail against our server over implicit TLS: it reads each message as `RFC822.HEADER` then
`BODY.PEEK[TEXT]`, hands it to a delivery command, and marks it `\\Seen`; the files it writes must be the server's
bytes (with LF line ends, as fetchmail hands messages over), and a second poll must find nothing new.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tests.mailserver.imap.conftest import ImapServer, message_bytes
from tests.mailserver.imap.interop import (
    awkward_messages,
    deliver_raw,
    localhost_server,
    require,
    run_tool,
    server_state,
)

__all__ = ["localhost_server"]

pytestmark = pytest.mark.slow

FETCHMAIL_OK, FETCHMAIL_NO_MAIL = 0, 1  # fetchmail(1), EXIT CODES


def fetchmail_config(server: ImapServer, folder: Path, *, fetch_all: bool) -> Path:
    out = folder / "out"
    out.mkdir(exist_ok=True)
    config = folder / "fetchmailrc"
    config.write_text(
        f"""set no syslog
set invisible
poll {server.host} protocol IMAP port {server.port} auth password
  user "{server.user}" password "{server.password}" is "local" here
  ssl sslcertck sslcertfile "{server.pki.root_ca}"
  keep {"fetchall" if fetch_all else "no fetchall"} no rewrite
  mda "/bin/sh -c 'cat > {out}/message.$$'"
"""
    )
    config.chmod(0o600)  # fetchmail refuses a readable run control file holding a password
    return config


async def fetchmail(config: Path, home: Path) -> tuple[int, str]:
    env = dict(os.environ, HOME=str(home), FETCHMAILHOME=str(home))
    run = await run_tool([require("fetchmail"), "--nodetach", "-v", "-f", config], env=env)
    assert run.returncode in (FETCHMAIL_OK, FETCHMAIL_NO_MAIL), str(run)
    return run.returncode, run.stdout + run.stderr


async def test_fetchmail_fetches_every_message_byte_for_byte_and_marks_them_seen(
    localhost_server: ImapServer, tmp_path: Path
) -> None:
    server = localhost_server
    require("fetchmail")
    sent = [*awkward_messages(), *(message_bytes(n) for n in range(1, 6))]
    await deliver_raw(server.store, server.user, sent, flags=["\\Seen"])  # fetchall: seen ones come too

    code, output = await fetchmail(fetchmail_config(server, tmp_path, fetch_all=True), tmp_path)
    assert code == FETCHMAIL_OK, output
    files = sorted((tmp_path / "out").iterdir())
    assert sorted(p.read_bytes() for p in files) == sorted(raw.replace(b"\r\n", b"\n") for raw in sent)
    flags, _ = await asyncio.to_thread(server_state, server)
    assert all("\\Seen" in f for f in flags.values()), flags

    for p in files:
        p.unlink()
    code, output = await fetchmail(fetchmail_config(server, tmp_path, fetch_all=False), tmp_path)
    assert code == FETCHMAIL_NO_MAIL, output
    assert list((tmp_path / "out").iterdir()) == []
