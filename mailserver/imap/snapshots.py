"""SELECT snapshots kept in memory between sessions of a process, so that selecting a folder again is cheap.

Owns a small LRU of `Snapshot`s keyed by folder id, each with what SELECT derives from it (keywords in use, first
unseen message), and the ids of the folders selected by name (a hint: SELECT checks the name on the row it reads).
A cached snapshot is used only when the folder's HIGHESTMODSEQ, UIDNEXT and UIDVALIDITY are still the ones it was
read at: every change to a folder (delivery, flags, expunge, move) raises its HIGHESTMODSEQ, so an equal value
means an equal folder. Sessions share the cached arrays and copy them before their first change
(`SelectedFolder`); nothing here changes them. Bounded by the number of messages held. Never reads the store
itself.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from mailserver.store.imap_records import Snapshot

DEFAULT_MAX_MESSAGES = 1_000_000  # about 25 MB of arrays and shared flag texts
MAX_FOLDER_IDS = 10_000


@dataclass(frozen=True, slots=True)
class CachedSnapshot:
    snapshot: Snapshot
    keywords: tuple[str, ...]
    first_unseen: int | None


def derive(snapshot: Snapshot) -> CachedSnapshot:
    """The snapshot with the keywords in use and the first unseen message, computed once."""
    found: dict[str, str] = {}
    for text in set(snapshot.flags):
        for flag in text.split():
            if not flag.startswith("\\"):
                found.setdefault(flag.lower(), flag)
    return CachedSnapshot(snapshot, tuple(sorted(found.values(), key=str.lower)), snapshot.first_unseen())


class SnapshotCache:
    def __init__(self, max_messages: int = DEFAULT_MAX_MESSAGES) -> None:
        self._max = max_messages
        self._held = 0
        self._entries: OrderedDict[int, CachedSnapshot] = OrderedDict()
        self._folder_ids: OrderedDict[tuple[int, str], tuple[int, str]] = OrderedDict()

    def folder_id(self, mailbox_id: int, name: str) -> tuple[int, str] | None:
        """(id, stored name) of the folder `name` named when it was last selected, if remembered."""
        return self._folder_ids.get((mailbox_id, name))

    def remember_folder(self, mailbox_id: int, name: str, folder_id: int, stored_name: str) -> None:
        self._folder_ids[(mailbox_id, name)] = (folder_id, stored_name)
        self._folder_ids.move_to_end((mailbox_id, name))
        while len(self._folder_ids) > MAX_FOLDER_IDS:
            self._folder_ids.popitem(last=False)

    def forget_folder(self, mailbox_id: int, name: str) -> None:
        self._folder_ids.pop((mailbox_id, name), None)

    def get(self, folder_id: int, uidvalidity: int, uidnext: int, highestmodseq: int) -> CachedSnapshot | None:
        entry = self._entries.get(folder_id)
        if entry is None:
            return None
        s = entry.snapshot
        if (s.uidvalidity, s.uidnext, s.highestmodseq) != (uidvalidity, uidnext, highestmodseq):
            self._drop(folder_id)
            return None
        self._entries.move_to_end(folder_id)
        return entry

    def put(self, snapshot: Snapshot) -> CachedSnapshot:
        entry = derive(snapshot)
        self._drop(snapshot.folder_id)
        if snapshot.exists > self._max:
            return entry
        self._entries[snapshot.folder_id] = entry
        self._held += snapshot.exists
        while self._held > self._max:
            oldest = next(iter(self._entries))
            self._drop(oldest)
        return entry

    def _drop(self, folder_id: int) -> None:
        entry = self._entries.pop(folder_id, None)
        if entry is not None:
            self._held -= entry.snapshot.exists
