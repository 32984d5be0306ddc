"""Shared mailboxes: a delegated ORG mailbox under Shared/<address>/, with the delegation's rights, and two
delegates seeing each other's changes live."""

from __future__ import annotations

import asyncio

from mailserver.imap.services import ImapServices
from mailserver.store import Store
from tests.mailserver.imap.conftest import OTHER, READ_ONLY_SHARED, SHARED, Talk, fill, tagged

INBOX = f"Shared/{SHARED}/INBOX"


async def test_the_delegated_mailbox_is_listed_under_the_shared_namespace(talk: Talk) -> None:
    await talk.login()
    answer = await talk.cmd('a1 LIST "Shared/" "%"')
    assert b'* LIST (\\Noselect \\HasChildren) "/" Shared/cardiologie@example.test\r\n' in answer
    assert b'* LIST (\\Noselect \\HasChildren) "/" Shared/archives@example.test\r\n' in answer
    folders = await talk.cmd(f'a2 LIST "" "Shared/{SHARED}/%"')
    assert b'* LIST (\\HasNoChildren) "/" Shared/cardiologie@example.test/Sent\r\n' in folders  # no \\Sent here


async def test_a_mailbox_not_delegated_is_not_reachable(talk: Talk) -> None:
    await talk.login()
    answer = await talk.cmd(f"a1 SELECT Shared/{OTHER}/INBOX")
    assert tagged(answer, "a1") == b"a1 NO [NONEXISTENT] No such mailbox"
    assert tagged(await talk.cmd("a2 SELECT Shared"), "a2").startswith(b"a2 NO [CANNOT]")


async def test_the_delegation_rights_apply(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, READ_ONLY_SHARED, 1)
    answer = await talk.cmd(f"a1 SELECT Shared/{READ_ONLY_SHARED}/INBOX")
    assert b"[PERMANENTFLAGS ()]" in answer and tagged(answer, "a1") == b"a1 OK [READ-ONLY] SELECT completed"
    assert tagged(await talk.cmd(f"a2 CREATE Shared/{READ_ONLY_SHARED}/X"), "a2") == b"a2 NO [NOPERM] Permission denied"
    assert tagged(await talk.cmd(f"a3 DELETE Shared/{READ_ONLY_SHARED}/Junk"), "a3").startswith(b"a3 NO [NOPERM]")
    entry = (await store.audit.entries(target=READ_ONLY_SHARED))[0]
    assert (entry.action, entry.result) == ("imap.delete", "denied")


async def test_two_delegates_see_each_others_flag_changes_live(
    talk: Talk, store: Store, services: ImapServices
) -> None:
    await talk.login()
    await fill(store, SHARED, 2)
    other = await Talk(services).open()
    await other.login(OTHER)
    await talk.cmd(f"a1 SELECT {INBOX}")
    await other.cmd(f"b1 SELECT {INBOX}")
    await other.send(b"b2 IDLE\r\n")
    await talk.cmd("a2 STORE 1 +FLAGS (\\Seen)")
    async with asyncio.timeout(10):
        await other.channel.wait_for(b"* 1 FETCH")
    assert other.take() == b"* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n"
    await other.send(b"DONE\r\n")
    await other.close()


async def test_access_to_a_shared_mailbox_is_traced_under_its_address(talk: Talk, store: Store) -> None:
    await talk.login()
    await talk.cmd(f"a1 SELECT {INBOX}")
    entry = (await talk.traced(store, SHARED))[0]
    assert (entry.actor, entry.action, entry.result) == ("dr.bernard@example.test", "imap.select", "ok")


async def test_with_every_right_a_delegate_creates_and_deletes_folders_in_the_shared_mailbox(talk: Talk) -> None:
    await talk.login()
    assert tagged(await talk.cmd(f"a1 CREATE Shared/{SHARED}/Dossiers"), "a1") == b"a1 OK CREATE completed"
    assert f"Shared/{SHARED}/Dossiers".encode() in await talk.cmd(f'a2 LIST "" "Shared/{SHARED}/D*"')
    assert tagged(await talk.cmd(f"a3 DELETE Shared/{SHARED}/Dossiers"), "a3") == b"a3 OK DELETE completed"
    assert tagged(await talk.cmd("a4 CREATE Shared/nobody@example.test/X"), "a4").startswith(b"a4 NO [CANNOT]")
