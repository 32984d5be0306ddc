"""CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST (extended, special-use, status), LSUB, NAMESPACE, STATUS."""

from __future__ import annotations

import re

from mailserver.store import Store
from tests.mailserver.imap.conftest import USER, Talk, fill, tagged


def names(answer: bytes, kind: bytes = b"LIST") -> list[bytes]:
    return re.findall(rb"\* " + kind + rb" \([^)]*\) \"/\" (\S+)\r\n", answer)


async def test_create_with_a_special_use_and_list_it(talk: Talk) -> None:
    await talk.login()
    assert tagged(await talk.cmd("a1 CREATE Projets/2025 (USE (\\Flagged))"), "a1") == b"a1 OK CREATE completed"
    answer = await talk.cmd('a2 LIST "" "Projets*"')
    assert b'* LIST (\\HasChildren) "/" Projets\r\n' in answer
    assert b'* LIST (\\HasNoChildren \\Flagged) "/" Projets/2025\r\n' in answer


async def test_create_errors_carry_their_response_codes(talk: Talk) -> None:
    await talk.login()
    assert tagged(await talk.cmd("a1 CREATE Sent"), "a1") == b"a1 NO [ALREADYEXISTS] Mailbox already exists"
    assert tagged(await talk.cmd("a2 CREATE X (USE (\\Bogus))"), "a2").startswith(b"a2 NO [USEATTR]")
    assert tagged(await talk.cmd("a3 CREATE Shared/x"), "a3").startswith(b"a3 NO [CANNOT]")
    assert tagged(await talk.cmd("a4 CREATE Dossiers/"), "a4") == b"a4 OK CREATE completed"  # trailing separator
    assert tagged(await talk.cmd("a5 CREATE a//b"), "a5").startswith(b"a5 NO [CANNOT]")


async def test_delete_and_the_audit_trace(talk: Talk, store: Store) -> None:
    await talk.login()
    await talk.cmd("a1 CREATE Old")
    assert tagged(await talk.cmd("a2 DELETE Old"), "a2") == b"a2 OK DELETE completed"
    assert names(await talk.cmd('a3 LIST "" Old')) == []
    entry = (await store.audit.entries(target=USER))[0]
    assert (entry.action, entry.result) == ("imap.delete", "ok")
    assert tagged(await talk.cmd("a4 DELETE INBOX"), "a4").startswith(b"a4 NO [CANNOT]")
    assert tagged(await talk.cmd("a5 DELETE Nowhere"), "a5") == b"a5 NO [NONEXISTENT] No such mailbox"


async def test_deleting_a_parent_keeps_it_noselect(talk: Talk) -> None:
    await talk.login()
    await talk.cmd("a1 CREATE A/B")
    await talk.cmd("a2 DELETE A")
    answer = await talk.cmd('a3 LIST "" "A*"')
    assert b'* LIST (\\Noselect \\HasChildren) "/" A\r\n' in answer
    assert tagged(await talk.cmd("a4 SELECT A"), "a4").startswith(b"a4 NO [CANNOT]")


async def test_deleting_the_selected_folder_closes_it(talk: Talk) -> None:
    await talk.login()
    await talk.cmd("a1 CREATE Tmp")
    await talk.cmd("a2 SELECT Tmp")
    answer = await talk.cmd("a3 DELETE Tmp")
    assert b"* OK [CLOSED]" in answer and tagged(answer, "a3") == b"a3 OK DELETE completed"
    assert tagged(await talk.cmd("a4 FETCH 1 FLAGS"), "a4") == b"a4 BAD No mailbox selected"


async def test_rename_carries_children_and_messages(talk: Talk, store: Store) -> None:
    await talk.login()
    await talk.cmd("a1 CREATE Travail/Urgent")
    await fill(store, USER, 2, "Travail")
    assert tagged(await talk.cmd("a2 RENAME Travail Bureau"), "a2") == b"a2 OK RENAME completed"
    answer = await talk.cmd('a3 LIST "" "*"')
    assert b"Bureau" in names(answer) and b"Bureau/Urgent" in names(answer) and b"Travail" not in names(answer)
    assert b"MESSAGES 2" in await talk.cmd("a4 STATUS Bureau (MESSAGES)")
    assert tagged(await talk.cmd("a5 RENAME Nowhere Else"), "a5") == b"a5 NO [NONEXISTENT] No such mailbox"
    rename_across = await talk.cmd("a6 RENAME Bureau Shared/cardiologie@example.test/Bureau")
    assert tagged(rename_across, "a6") == b"a6 NO [CANNOT] Cannot rename across mailboxes"


async def test_rename_inbox_moves_its_messages_and_leaves_it_empty(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 3)
    assert tagged(await talk.cmd("a1 RENAME INBOX Ancien"), "a1") == b"a1 OK RENAME completed"
    assert b"MESSAGES 0" in await talk.cmd("a2 STATUS INBOX (MESSAGES)")
    assert b"MESSAGES 3" in await talk.cmd("a3 STATUS Ancien (MESSAGES)")


async def test_subscriptions_select_list_and_lsub(talk: Talk) -> None:
    await talk.login()
    await talk.cmd("a1 CREATE Notes/2025")
    await talk.cmd("a2 UNSUBSCRIBE Notes")
    subscribed = await talk.cmd('a3 LIST (SUBSCRIBED) "" "*"')
    assert b"Notes/2025" in names(subscribed) and b"Notes" not in names(subscribed)
    assert b'(\\HasNoChildren \\Subscribed) "/" Notes/2025' in subscribed
    recursive = await talk.cmd('a4 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')
    assert b'* LIST (\\HasChildren) "/" Notes ("CHILDINFO" ("SUBSCRIBED"))\r\n' in recursive
    lsub = await talk.cmd('a5 LSUB "" "N%"')
    assert b'* LSUB (\\Noselect) "/" Notes\r\n' in lsub
    assert b"Notes/2025" in names(await talk.cmd('a6 LSUB "" "Notes/*"'), b"LSUB")
    await talk.cmd("a7 SUBSCRIBE Notes")
    assert b'* LSUB () "/" Notes\r\n' in await talk.cmd('a8 LSUB "" "N%"')
    assert tagged(await talk.cmd("a9 SUBSCRIBE Nowhere"), "a9") == b"a9 NO [NONEXISTENT] No such mailbox"


async def test_list_special_use_selection_and_return(talk: Talk) -> None:
    await talk.login()
    answer = await talk.cmd('a1 LIST (SPECIAL-USE) "" "*" RETURN (SPECIAL-USE)')
    assert sorted(names(answer)) == [b"Archive", b"Drafts", b"Junk", b"Sent", b"Trash"]
    assert b'* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n' in answer


async def test_list_status_returns_counts_after_each_name(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 2)
    answer = await talk.cmd('a1 LIST "" "INBOX" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT HIGHESTMODSEQ))')
    listed = rb'\* LIST \(\\HasNoChildren\) "/" INBOX\r\n'
    assert re.search(listed + rb"\* STATUS INBOX \(MESSAGES 2 UNSEEN 2 UIDNEXT 3 HIGHESTMODSEQ \d+\)", answer)


async def test_list_patterns_percent_stops_at_the_separator_and_inbox_ignores_case(talk: Talk) -> None:
    await talk.login()
    await talk.cmd("a1 CREATE Dossiers/Patients")
    top = names(await talk.cmd('a2 LIST "" "%"'))
    assert b"Dossiers" in top and b"Dossiers/Patients" not in top and b"Shared" in top
    assert names(await talk.cmd('a3 LIST "" "inbox"')) == [b"INBOX"]
    assert names(await talk.cmd('a4 LIST "Dossiers/" "%"')) == [b"Dossiers/Patients"]
    assert await talk.cmd('a5 LIST "" ""') == b'* LIST (\\Noselect) "/" ""\r\na5 OK LIST completed\r\n'


async def test_list_encodes_names_in_modified_utf7_until_utf8_is_enabled(talk: Talk) -> None:
    await talk.login()
    await talk.cmd("a1 CREATE R&AOk-sultats")  # "Résultats" in modified UTF-7
    assert b"R&AOk-sultats" in names(await talk.cmd('a2 LIST "" "R*"'))
    await talk.cmd("a3 ENABLE UTF8=ACCEPT")
    assert '"Résultats"'.encode() in names(await talk.cmd('a4 LIST "" "R*"'))


async def test_namespace_has_the_personal_and_the_shared_namespaces(talk: Talk) -> None:
    await talk.login()
    answer = await talk.cmd("a1 NAMESPACE")
    assert answer.startswith(b'* NAMESPACE (("" "/")) NIL (("Shared/" "/"))\r\n')


async def test_status_reports_each_item_asked(talk: Talk, store: Store) -> None:
    await talk.login()
    await fill(store, USER, 3)
    await talk.cmd("a1 SELECT INBOX")
    await talk.cmd("a2 STORE 1 +FLAGS (\\Seen \\Deleted)")
    answer = await talk.cmd("a3 STATUS INBOX (MESSAGES RECENT UIDNEXT UNSEEN DELETED SIZE)")
    assert re.search(rb"\* STATUS INBOX \(MESSAGES 3 RECENT 0 UIDNEXT 4 UNSEEN 2 DELETED 1 SIZE \d+\)", answer)
    assert re.search(rb"UIDVALIDITY \d+", await talk.cmd("a4 STATUS Sent (UIDVALIDITY)"))
    assert tagged(await talk.cmd("a5 STATUS Nowhere (MESSAGES)"), "a5") == b"a5 NO [NONEXISTENT] No such mailbox"
