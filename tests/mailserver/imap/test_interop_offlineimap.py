"""offlineimap (Debian `offlineimap3`), a second independent client, against our server over implicit TLS: a
two-way sync whose result is checked byte for byte on both sides, then a run that copies nothing.

offlineimap keeps messages in a Maildir with LF line ends: a file must be the server's bytes with CRLF turned into
LF, nothing else, and what it uploads must be stored as the file's bytes with LF turned back into CRLF.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.mailserver.imap.conftest import ImapServer, message_bytes
from tests.mailserver.imap.interop import (
    awkward_messages,
    deliver_raw,
    localhost_server,
    maildir_flags,
    require,
    run_tool,
)

__all__ = ["localhost_server"]

pytestmark = pytest.mark.slow

UPLOAD = (
    b"From: Poste local <local@example.test>\nTo: dr.bernard@example.test\nSubject: R\xc3\xa9ponse envoy\xc3\xa9e\n"
    b"X-MiXeD-CaSe: conserv\xc3\xa9\nMessage-ID: <upload@example.test>\nDate: Tue, 14 Jan 2025 09:00:00 +0100\n\n"
    b"Envoi depuis le client.\n"
)


def as_offlineimap_writes(raw: bytes) -> bytes:
    """The server's bytes as offlineimap3 writes them: LF line ends, and (it parses and re-serialises messages with
    Python's email package since offlineimap3 issue #48) one space, not a tab, after a header name's colon."""
    header, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    return re.sub(rb"(?m)^([!-9;-~]+):\t", rb"\1: ", header) + sep + body


def offlineimap_config(server: ImapServer, folder: Path) -> Path:
    (folder / "mail").mkdir()
    (folder / "meta").mkdir()
    config = folder / "offlineimaprc"
    config.write_text(
        f"""[general]
accounts = caducee
metadata = {folder / "meta"}
ui = basic

[Account caducee]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = {folder / "mail"}

[Repository remote]
type = IMAP
remotehost = {server.host}
remoteport = {server.port}
ssl = yes
sslcacertfile = {server.pki.root_ca}
remoteuser = {server.user}
remotepass = {server.password}
folderfilter = lambda name: name == "INBOX"
"""
    )
    return config


async def offlineimap(config: Path) -> str:
    run = await run_tool([require("offlineimap"), "-o", "-c", config])
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "ERROR" not in output, str(run)
    return output


async def test_offlineimap_syncs_both_ways_byte_for_byte_then_copies_nothing(
    localhost_server: ImapServer, tmp_path: Path
) -> None:
    server = localhost_server
    require("offlineimap")
    sent = [*awkward_messages(), *(message_bytes(n) for n in range(1, 11))]
    flags = ["\\Seen", "\\Flagged", "", "\\Answered \\Seen"]
    uids = await deliver_raw(server.store, server.user, sent, flags=flags)
    config = offlineimap_config(server, tmp_path)
    inbox = tmp_path / "mail" / "INBOX"

    first = await offlineimap(config)
    assert len(re.findall(r"Copy message UID \d+ .* remote:INBOX -> local:INBOX", first)) == len(sent), first
    files = {p.name.split(",U=")[1].split(",")[0]: p for p in inbox.glob("*/*")}
    assert len(files) == len(sent)
    for uid, raw, i in zip(uids, sent, range(len(sent)), strict=True):
        path = files[str(uid)]
        assert path.read_bytes() == as_offlineimap_writes(raw), path
        assert maildir_flags(path) == set((flags[i] if i < len(flags) else "").split()), path

    (inbox / "new" / "1736845200.upload.client").write_bytes(UPLOAD)
    second = await offlineimap(config)
    assert re.search(r"Copy message .* local:INBOX -> remote:INBOX", second), second
    assert "remote:INBOX -> local:INBOX" not in second, second
    box = await server.store.accounts.get_mailbox(server.user)
    assert box is not None
    folder = next(f for f in await server.store.mail.folders_of(box.id) if f.name == "INBOX")
    stored = dict(await server.store.mail.folder_uids(folder.id))
    assert sorted(stored) == [*uids, uids[-1] + 1]
    assert await server.store.mail.read_message(stored[uids[-1] + 1]) == UPLOAD.replace(b"\n", b"\r\n")

    third = await offlineimap(config)
    assert "Copy message" not in third, third
    assert len(list(inbox.glob("*/*"))) == len(sent) + 1
