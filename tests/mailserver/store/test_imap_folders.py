"""IMAP folders in the store: LIST/STATUS counts, CREATE, DELETE, RENAME, SUBSCRIBE, delegated access."""

from __future__ import annotations

import pytest

from mailserver.store import Store
from mailserver.store.imap_errors import (
    CannotDelete,
    FolderExists,
    FolderNotSelectable,
    InvalidFolderName,
    NoSuchFolder,
    UnsupportedSpecialUse,
)
from mailserver.store.imap_flagtext import FlagOperation
from mailserver.store.imapview import ImapView
from tests.mailserver.store.imap_corpus import fill, inbox_id, mailbox


@pytest.fixture
def view(store: Store) -> ImapView:
    return ImapView(store)


async def test_list_reports_status_counts_for_every_folder_in_one_call(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 4)
    inbox = await inbox_id(view, box.id)
    await view.flags.store(inbox, [(1, 2)], FlagOperation.ADD, ["\\Seen"])
    await view.flags.store(inbox, [(2, 3)], FlagOperation.ADD, ["\\Deleted"])
    listed = {f.name: f for f in await view.directory.list_folders([box.id], with_size=True)}
    assert sorted(listed) == ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]
    status = listed["INBOX"]
    assert (status.messages, status.unseen, status.deleted, status.uidnext) == (4, 2, 2, 5)
    assert status.size is not None and status.size > 4 * 100
    assert status.highestmodseq == 4 + 1 + 2  # four deliveries, two STOREs, from 1
    assert listed["Sent"].special_use == "\\Sent" and listed["Sent"].messages == 0
    assert (await view.directory.status(inbox)).messages == 4


async def test_create_makes_missing_parents_and_refuses_duplicates(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    created = await view.folders.create(box.id, "Patients/Dupont/Bilans")
    listed = {f.name: f for f in await view.directory.list_folders([box.id])}
    assert {"Patients", "Patients/Dupont", "Patients/Dupont/Bilans"} <= set(listed)
    assert listed["Patients"].has_children and not listed["Patients/Dupont/Bilans"].has_children
    assert created.uidnext == 1 and created.highestmodseq == 1
    with pytest.raises(FolderExists):
        await view.folders.create(box.id, "Patients/Dupont")
    with pytest.raises(FolderExists):
        await view.folders.create(box.id, "inbox")


async def test_inbox_is_case_insensitive_also_as_a_parent(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    assert (await view.directory.folder(box.id, "iNbOx")).name == "INBOX"
    created = await view.folders.create(box.id, "inbox/Suivi")
    assert created.name == "INBOX/Suivi"


@pytest.mark.parametrize("name", ["", "/a", "a/", "a//b", "a*b", "a%", "a\x00b", "x" * 501])
async def test_invalid_names_are_refused(store: Store, view: ImapView, name: str) -> None:
    box = await mailbox(store)
    with pytest.raises(InvalidFolderName):
        await view.folders.create(box.id, name)


async def test_special_use_is_kept_and_unknown_uses_are_refused(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    created = await view.folders.create(box.id, "Tout", special_use="\\all")
    assert created.special_use == "\\All"
    with pytest.raises(UnsupportedSpecialUse):
        await view.folders.create(box.id, "Autre", special_use="\\Bogus")


async def test_delete_refuses_inbox_and_missing_folders(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    with pytest.raises(CannotDelete):
        await view.folders.delete(box.id, "inbox")
    with pytest.raises(NoSuchFolder):
        await view.folders.delete(box.id, "Nope")


async def test_delete_with_children_empties_the_folder_and_keeps_it_noselect(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await view.folders.create(box.id, "Projets/2025")
    await fill(store, box.id, 3, folder="Projets")
    await view.folders.delete(box.id, "Projets")
    listed = {f.name: f for f in await view.directory.list_folders([box.id])}
    assert listed["Projets"].noselect and listed["Projets"].messages == 0
    with pytest.raises(FolderNotSelectable):
        await view.directory.folder(box.id, "Projets")
    with pytest.raises(CannotDelete):  # RFC 3501 §6.3.4: \Noselect with children
        await view.folders.delete(box.id, "Projets")
    await view.folders.delete(box.id, "Projets/2025")  # the last child goes, and the placeholder with it
    assert "Projets" not in {f.name for f in await view.directory.list_folders([box.id])}


async def test_a_recreated_name_never_gets_an_old_uidvalidity(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    first = await view.folders.create(box.id, "Temp")
    await view.folders.delete(box.id, "Temp")
    second = await view.folders.create(box.id, "Temp")
    assert second.uidvalidity > first.uidvalidity
    await view.folders.delete(box.id, "Archive")  # the default folder with the highest value
    again = await view.folders.create(box.id, "Archive")
    assert again.uidvalidity > second.uidvalidity


async def test_rename_moves_children_and_keeps_uidvalidity_and_messages(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    before = await view.folders.create(box.id, "A/B")
    parent = await view.directory.folder(box.id, "A")
    await fill(store, box.id, 2, folder="A")
    renamed = await view.folders.rename(box.id, "A", "X/Y")
    names = {f.name for f in await view.directory.list_folders([box.id])}
    assert {"X", "X/Y", "X/Y/B"} <= names and not {"A", "A/B"} & names
    assert (renamed.id, renamed.uidvalidity) == (parent.id, parent.uidvalidity)
    assert (await view.directory.folder(box.id, "X/Y/B")).uidvalidity == before.uidvalidity
    assert (await view.messages.snapshot(renamed.id)).uids.tolist() == [1, 2]
    with pytest.raises(FolderExists):
        await view.folders.rename(box.id, "X/Y", "Sent")
    with pytest.raises(InvalidFolderName):
        await view.folders.rename(box.id, "X", "X/Y/Z")


async def test_renaming_inbox_moves_its_messages_and_leaves_it_empty(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await fill(store, box.id, 3)
    await view.folders.create(box.id, "INBOX/Child")
    inbox = await view.directory.folder(box.id, "INBOX")
    moved = await view.folders.rename(box.id, "INBOX", "Ancien")
    assert moved.uidvalidity != inbox.uidvalidity
    assert (await view.messages.snapshot(moved.id)).uids.tolist() == [1, 2, 3]
    after = await view.messages.snapshot(inbox.id)
    assert after.exists == 0 and after.uidnext == inbox.uidnext and after.uidvalidity == inbox.uidvalidity
    assert await view.changes.vanished_since(inbox.id, inbox.highestmodseq) == [1, 2, 3]
    assert "INBOX/Child" in {f.name for f in await view.directory.list_folders([box.id])}


async def test_subscribe_and_unsubscribe(store: Store, view: ImapView) -> None:
    box = await mailbox(store)
    await view.folders.subscribe(box.id, "Junk", False)
    assert not (await view.directory.folder(box.id, "Junk")).subscribed
    await view.folders.subscribe(box.id, "Junk")
    assert (await view.directory.folder(box.id, "Junk")).subscribed
    with pytest.raises(NoSuchFolder):
        await view.folders.subscribe(box.id, "Nope")


async def test_delegated_mailboxes_are_listed_with_their_rights(store: Store, view: ImapView) -> None:
    person = await mailbox(store)
    service = await mailbox(store, "cardiologie@example.test", "ORG")
    other = await mailbox(store, "pneumologie@example.test", "ORG")
    await store.accounts.delegate(person.address, service.address, "lrs")
    access = await view.directory.accessible_mailboxes(person.id)
    assert [(a.address, a.rights, a.shared) for a in access] == [
        (person.address, "lrswipkxtea", False),
        (service.address, "lrs", True),
    ]
    assert await view.directory.rights(person.id, service.id) == "lrs"
    assert await view.directory.rights(person.id, other.id) == ""
    both = await view.directory.list_folders([person.id, service.id])
    assert {f.mailbox_id for f in both} == {person.id, service.id}
