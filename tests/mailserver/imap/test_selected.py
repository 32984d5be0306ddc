"""The selected folder shares the process's cached snapshot arrays and copies them before its first change."""

from __future__ import annotations

from array import array

from mailserver.imap.places import Place
from mailserver.imap.selected import SelectedFolder
from mailserver.store import Store
from mailserver.store.imap_records import MailboxAccess, Snapshot
from mailserver.store.imapview import ImapView


def _snapshot() -> Snapshot:
    return Snapshot(7, 1, 4, 9, array("q", [1, 2, 3]), array("q", [5, 6, 9]), ["", "\\Seen", ""])


def _open(view: ImapView, snapshot: Snapshot) -> SelectedFolder:
    place = Place(MailboxAccess(1, "dr.bernard@example.test", "PER", "lrswipkxtea", False), "INBOX", "INBOX")
    return SelectedFolder.open(place, snapshot, view.watch(snapshot.folder_id, 0), read_only=False)


async def test_changes_of_a_session_never_reach_the_shared_snapshot(store: Store) -> None:
    view = ImapView(store)
    shared = _snapshot()
    first, second, third = _open(view, shared), _open(view, shared), _open(view, shared)
    first.set_message(0, "\\Flagged", 10)
    second.append(4, "", 11)
    third.remove({2})
    assert (shared.uids, shared.modseqs, shared.flags) == (_snapshot().uids, _snapshot().modseqs, _snapshot().flags)
    assert first.flags == ["\\Flagged", "\\Seen", ""] and list(first.modseqs) == [10, 6, 9]
    assert list(second.uids) == [1, 2, 3, 4]
    assert list(third.uids) == [1, 3]
    for selected in (first, second, third):
        selected.close()
