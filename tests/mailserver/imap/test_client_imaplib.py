"""The standard library's imaplib against a real server over TLS: the RFC 3501 command set, then each extension.

imaplib is blocking, so each scenario runs in a worker thread while the server runs on the test's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import re
from collections.abc import Callable
from typing import Any, TypeVar

from tests.mailserver.imap.conftest import ImapServer, fill, message_bytes

T = TypeVar("T")


async def in_thread(server: ImapServer, scenario: Callable[[imaplib.IMAP4], T]) -> T:
    def run() -> T:
        client = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=server.ssl_context, timeout=20)
        try:
            client.login(server.user, server.password)
            return scenario(client)
        finally:
            with contextlib.suppress(imaplib.IMAP4.abort, OSError):
                client.logout()

    return await asyncio.to_thread(run)


def ok(result: tuple[str, Any]) -> list[Any]:
    status, data = result
    assert status == "OK", (status, data)
    return list(data)


def untagged(client: imaplib.IMAP4, name: str) -> bytes:
    """The first untagged response of `name` imaplib kept aside (ESEARCH, ID, HIGHESTMODSEQ...)."""
    value = client.untagged_responses.pop(name)[0]
    assert isinstance(value, bytes), value
    return value


async def test_rfc3501_mailbox_commands(imap_server: ImapServer) -> None:
    def scenario(c: imaplib.IMAP4) -> None:
        ok(c.noop())
        assert b"IMAP4rev1" in ok(c.capability())[0]
        ok(c.create("Dossiers/Cardio"))
        listed = ok(c.list('""', "Dossiers*"))
        assert b'(\\HasNoChildren) "/" Dossiers/Cardio' in listed
        ok(c.rename("Dossiers/Cardio", "Dossiers/Cardiologie"))
        ok(c.subscribe("Dossiers/Cardiologie"))
        assert any(b"Dossiers/Cardiologie" in line for line in ok(c.lsub('""', "*")))
        ok(c.unsubscribe("Dossiers/Cardiologie"))
        status = ok(c.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT)"))[0]
        assert re.match(rb"INBOX \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0 RECENT 0\)", status)
        ok(c.delete("Dossiers/Cardiologie"))
        assert c.delete("INBOX")[0] == "NO"
        assert c.select("Nowhere")[0] == "NO"

    await in_thread(imap_server, scenario)


async def test_rfc3501_message_commands(imap_server: ImapServer) -> None:
    await fill(imap_server.store, imap_server.user, 3)
    raw = message_bytes(9, subject="Ajouté par APPEND")

    def scenario(c: imaplib.IMAP4) -> None:
        assert ok(c.select("INBOX")) == [b"3"]
        ok(c.append("INBOX", r"(\Flagged)", imaplib.Time2Internaldate(1736760600), raw))
        assert c.response("APPENDUID")[1][0] is not None
        assert ok(c.search(None, "ALL")) == [b"1 2 3 4"]
        assert ok(c.search("UTF-8", "SUBJECT", '"Ajouté"'.encode())) == [b"4"]  # type: ignore[arg-type]
        fetched = ok(c.fetch("4", "(FLAGS BODY.PEEK[] ENVELOPE)"))
        assert fetched[0][1] == raw
        assert b"\\Flagged" in fetched[0][0]
        seen = ok(c.fetch("1", "(BODY[TEXT])"))
        assert b"\\Seen" in b"".join(p if isinstance(p, bytes) else p[0] for p in seen)
        ok(c.store("2", "+FLAGS", r"(\Deleted)"))
        ok(c.copy("3", "Archive"))
        assert c.response("COPYUID")[1][0] is not None
        ok(c.check())
        ok(c.expunge())
        assert ok(c.uid("SEARCH", "ALL")) == [b"1 3 4"]
        assert ok(c.uid("FETCH", "4", "(UID FLAGS)"))[0].startswith(b"3 (UID 4 FLAGS")
        ok(c.uid("STORE", "4", "-FLAGS", r"(\Flagged)"))
        ok(c.uid("COPY", "1", "Archive"))
        ok(c.close())
        assert ok(c.select("Archive", readonly=True)) == [b"2"]  # EXAMINE

    await in_thread(imap_server, scenario)


async def test_copy_to_a_missing_folder_answers_trycreate(imap_server: ImapServer) -> None:
    await fill(imap_server.store, imap_server.user, 1)

    def scenario(c: imaplib.IMAP4) -> tuple[str, list[Any]]:
        ok(c.select("INBOX"))
        return c.copy("1", "Nowhere")

    status, data = await in_thread(imap_server, scenario)
    assert status == "NO" and data[0].startswith(b"[TRYCREATE]")


async def test_extensions_namespace_id_enable_unselect_move_uidplus(imap_server: ImapServer) -> None:
    await fill(imap_server.store, imap_server.user, 4)

    def scenario(c: imaplib.IMAP4) -> None:
        assert ok(c.namespace()) == [b'(("" "/")) NIL (("Shared/" "/"))']
        ok(c.xatom("ID", '("name" "imaplib")'))
        assert untagged(c, "ID").startswith(b'("name" "Caducee"')
        ok(c.enable("CONDSTORE"))
        assert c.untagged_responses.pop("ENABLED") == [b"CONDSTORE"]
        ok(c.select("INBOX"))
        ok(c.uid("MOVE", "1:2", "Trash"))
        assert re.fullmatch(rb"\d+ 1:2 1:2", c.response("COPYUID")[1][0])
        ok(c.store("1", "+FLAGS", r"(\Deleted)"))
        ok(c.uid("EXPUNGE", "3"))  # UIDPLUS: only UID 3 goes
        assert ok(c.uid("SEARCH", "ALL")) == [b"4"]
        ok(c.unselect())
        assert c.state == "AUTH"

    await in_thread(imap_server, scenario)


async def test_extensions_list_extended_special_use_status_esearch_sort_thread(imap_server: ImapServer) -> None:
    await fill(imap_server.store, imap_server.user, 3)

    def scenario(c: imaplib.IMAP4) -> None:
        ok(c._simple_command("LIST", "(SPECIAL-USE)", '""', "*", "RETURN", "(STATUS (MESSAGES))"))
        lines = c.untagged_responses.pop("LIST")
        assert b'(\\HasNoChildren \\Sent) "/" Sent' in lines
        statuses = c.untagged_responses.pop("STATUS")
        assert b"Sent (MESSAGES 0)" in statuses
        ok(c.select("INBOX"))
        ok(c.uid("SEARCH", "RETURN", "(MIN MAX COUNT)", "ALL"))
        assert untagged(c, "ESEARCH").endswith(b"UID MIN 1 MAX 3 COUNT 3")
        assert ok(c.sort("(REVERSE ARRIVAL)", "UTF-8", "ALL")) == [b"3 2 1"]
        assert ok(c.thread("REFERENCES", "UTF-8", "ALL")) == [b"(1)(2)(3)"]
        assert ok(c.thread("ORDEREDSUBJECT", "UTF-8", "ALL")) == [b"(1)(2)(3)"]

    await in_thread(imap_server, scenario)


async def test_extensions_condstore_and_qresync(imap_server: ImapServer) -> None:
    await fill(imap_server.store, imap_server.user, 2)

    def scenario(c: imaplib.IMAP4) -> None:
        ok(c.enable("QRESYNC"))
        ok(c._simple_command("SELECT", "INBOX", "(CONDSTORE)"))
        highest = int(untagged(c, "HIGHESTMODSEQ"))
        c.state = "SELECTED"
        ok(c.store("1", "+FLAGS", r"(\Seen)"))
        changed = ok(c.fetch("1:*", f"(FLAGS) (CHANGEDSINCE {highest})"))
        assert len(changed) == 1 and changed[0].startswith(b"1 (FLAGS (\\Seen) MODSEQ (")
        ok(c._simple_command("UID", "STORE", "2", f"(UNCHANGEDSINCE {highest})", "+FLAGS", r"(\Flagged)"))

    await in_thread(imap_server, scenario)
