"""mbsync (Debian `isync`) against our server over implicit TLS: a two-way sync of a 1,000-message mailbox, flag
changes on both sides, and a last run that transfers nothing (issue 4).

mbsync prints its progress counters (`C: 1/1  B: 1/1  F: +2/2 *0/0 #0/0  N: +1000/1000 *0/0 #0/0`: channels,
boxes, then far and near side messages added, flag-updated and trashed) only to a terminal, so it runs in a
pseudo-terminal and the last counter line is what the assertions read, beside the Maildir files and the server's
own state (flags over imaplib, stored bytes through the store).
"""

from __future__ import annotations

import asyncio
import imaplib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.mailserver.imap.conftest import ImapServer, message_bytes
from tests.mailserver.imap.interop import (
    MAILDIR_FLAGS,
    ToolRun,
    deliver_many,
    localhost_server,
    maildir_flags,
    require,
    run_in_terminal,
    server_state,
)

__all__ = ["localhost_server"]

pytestmark = pytest.mark.slow

COUNT = 1000
COUNTERS = re.compile(
    r"C: (\d+)/(\d+)\s+B: (\d+)/(\d+)\s+"
    r"F: \+(\d+)/\d+ \*(\d+)/\d+ #(\d+)/\d+\s+"
    r"N: \+(\d+)/\d+ \*(\d+)/\d+ #(\d+)/\d+"
)
LOCAL_MESSAGES = {  # written in the Maildir after the first run: name -> bytes (LF line ends, as Maildir keeps)
    "new/1736760000.local1.client": (
        b"From: Poste local <local@example.test>\nTo: dr.bernard@example.test\nSubject: brouillon sans drapeau\n"
        b"X-MiXeD-CaSe: gard\xc3\xa9 tel quel\nMessage-ID: <local1@example.test>\n\nPremier envoi local.\n"
    ),
    "cur/1736760001.local2.client:2,S": (
        b"From: Poste local <local@example.test>\nTo: dr.bernard@example.test\nSubject: lu localement\n"
        b"Message-ID: <local2@example.test>\n\nSecond envoi local.\n"
    ),
}


@dataclass(frozen=True)
class Counters:
    """The last progress line of an mbsync run: (added, flags updated, trashed) on each side."""

    far: tuple[int, int, int]
    near: tuple[int, int, int]

    @classmethod
    def of(cls, run: ToolRun) -> Counters:
        found = COUNTERS.findall(run.stdout)
        assert found, str(run)
        c = [int(x) for x in found[-1]]
        assert (c[0], c[2]) == (c[1], c[3]) == (1, 1), str(run)  # one channel, one box, both done
        return cls(far=(c[4], c[5], c[6]), near=(c[7], c[8], c[9]))


def mbsync_config(server: ImapServer, folder: Path) -> Path:
    maildir = folder / "mail"
    maildir.mkdir(parents=True, exist_ok=True)
    config = folder / "mbsyncrc"
    config.write_text(
        f"""IMAPAccount caducee
Host {server.host}
Port {server.port}
User {server.user}
Pass "{server.password}"
SSLType IMAPS
CertificateFile {server.pki.root_ca}

IMAPStore remote
Account caducee

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns INBOX
Create Both
Expunge None
SyncState *
Sync All
"""
    )
    return config


async def mbsync(config: Path) -> ToolRun:
    run = await asyncio.to_thread(run_in_terminal, [require("mbsync"), "-V", "-c", config, "sync"])
    assert run.returncode == 0, str(run)
    return run


def maildir_messages(inbox: Path) -> dict[str, tuple[Path, bytes]]:
    """Message-ID -> (file, content) of every message in the Maildir folder `inbox`."""
    found: dict[str, tuple[Path, bytes]] = {}
    for path in [*inbox.joinpath("new").iterdir(), *inbox.joinpath("cur").iterdir()]:
        content = path.read_bytes()
        match = re.search(rb"^Message-ID: (<[^>]+>)", content, re.MULTILINE | re.IGNORECASE)
        assert match is not None, path
        found[match.group(1).decode()] = (path, content)
    return found


def without_tuid(content: bytes) -> bytes:
    """`content` without the one `X-TUID` line mbsync writes last in the header of each message it copies (its
    transfer id, to find the copy again after an interruption: isync's sync.c, copy_msg_convert)."""
    stripped, count = re.subn(rb"\r?\nX-TUID: [A-Za-z0-9+/]{12}(?=\r?\n\r?\n)", b"", content, count=1)
    assert count == 1, content[:400]
    return stripped


def message_files(inbox: Path) -> list[Path]:
    return sorted(p.relative_to(inbox) for sub in ("new", "cur") for p in (inbox / sub).iterdir())


def set_maildir_flags(path: Path, flags: set[str]) -> Path:
    """Rename a message file to carry `flags` (the client-side flag change), moving it to cur/."""
    letters = "".join(sorted(letter for letter, flag in MAILDIR_FLAGS.items() if flag in flags))
    base = path.name.partition(":2,")[0]
    target = path.parent.parent / "cur" / f"{base}:2,{letters}"
    path.rename(target)
    return target


def server_store_flags(server: ImapServer, changes: dict[str, str]) -> None:
    """The server-side flag changes, made by another IMAP client: UID set -> flags to add."""
    client = imaplib.IMAP4_SSL("127.0.0.1", server.port, ssl_context=server.ssl_context, timeout=30)
    try:
        client.login(server.user, server.password)
        client.select("INBOX")
        for uids, flags in changes.items():
            status, data = client.uid("STORE", uids, "+FLAGS.SILENT", flags)
            assert status == "OK", data
    finally:
        client.logout()


async def test_mbsync_two_way_sync_of_1000_messages_with_flag_changes_then_a_run_that_transfers_nothing(
    localhost_server: ImapServer, tmp_path: Path
) -> None:
    server = localhost_server
    require("mbsync")
    uids = dict(
        zip(range(1, COUNT + 1), await deliver_many(server.store, server.user, range(1, COUNT + 1)), strict=True)
    )
    config = mbsync_config(server, tmp_path)
    inbox = tmp_path / "mail" / "INBOX"

    # 1. First sync into an empty Maildir: the 1,000 server messages come down, byte for byte.
    first = Counters.of(await mbsync(config))
    assert first == Counters(far=(0, 0, 0), near=(COUNT, 0, 0))
    local = maildir_messages(inbox)
    assert len(local) == COUNT
    for n in uids:
        path, content = local[f"<m{n}@hopital.example.test>"]
        assert without_tuid(content) == message_bytes(n).replace(b"\r\n", b"\n"), path  # Maildir keeps LF

    # 2. Changes on both sides, on disjoint messages: new local messages (one without flags: an APPEND without
    # a flag list), client-side flags by renaming Maildir files, server-side flags by another IMAP client.
    for name, content in LOCAL_MESSAGES.items():
        (inbox / name).write_bytes(content)
    client_side = {n: {"\\Seen"} for n in range(31, 41)} | {n: {"\\Flagged", "\\Seen"} for n in range(41, 46)}
    client_side[46] = {"\\Deleted"}
    for n, wanted in client_side.items():
        set_maildir_flags(local[f"<m{n}@hopital.example.test>"][0], wanted)
    await asyncio.to_thread(
        server_store_flags, server, {"1:10": "(\\Flagged)", "11:20": "(\\Seen \\Answered)", "21": "($Label1)"}
    )
    second = Counters.of(await mbsync(config))
    # mbsync keeps no keywords in a Maildir: UID 21's $Label1 stays on the server only.
    assert second == Counters(far=(len(LOCAL_MESSAGES), len(client_side), 0), near=(0, 20, 0))
    flags, modseq = await asyncio.to_thread(server_state, server)
    assert sorted(flags) == [*uids.values(), COUNT + 1, COUNT + 2]
    for n, wanted in client_side.items():
        assert flags[uids[n]] == wanted, n
    assert flags[uids[21]] == {"$Label1"}
    stored = await _stored_bytes(server, [COUNT + 1, COUNT + 2])
    # Stored as mbsync sent it: the Maildir bytes in CRLF form, plus mbsync's own X-TUID line.
    assert sorted(map(without_tuid, stored)) == sorted(c.replace(b"\n", b"\r\n") for c in LOCAL_MESSAGES.values())
    assert (flags[COUNT + 1], flags[COUNT + 2]) == (set(), {"\\Seen"})
    local = maildir_messages(inbox)
    for n in range(1, 21):
        expected = {"\\Flagged"} if n <= 10 else {"\\Seen", "\\Answered"}
        assert maildir_flags(local[f"<m{n}@hopital.example.test>"][0]) == expected, n

    # 3. Nothing changed since: mbsync transfers nothing, the Maildir and the server stay as they were.
    files = message_files(inbox)
    third = Counters.of(await mbsync(config))
    assert third == Counters(far=(0, 0, 0), near=(0, 0, 0))
    assert message_files(inbox) == files
    assert await asyncio.to_thread(server_state, server) == (flags, modseq)


async def _stored_bytes(server: ImapServer, wanted: list[int]) -> list[bytes]:
    box = await server.store.accounts.get_mailbox(server.user)
    assert box is not None
    inbox = next(f for f in await server.store.mail.folders_of(box.id) if f.name == "INBOX")
    ids = dict(await server.store.mail.folder_uids(inbox.id))
    return [await server.store.mail.read_message(ids[uid]) for uid in wanted]
