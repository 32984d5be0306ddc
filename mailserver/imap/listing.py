"""The names LIST and LSUB can return, their attributes, and pattern matching (RFC 3501 §6.3.8, RFC 5258, RFC 6154,
RFC 3348 CHILDREN).

Owns the list of names one user sees (their own folders; `Shared`, `Shared/<address>` and the folders of each
mailbox delegated to them with the `l` right), each with \\Noselect, \\HasChildren or \\HasNoChildren, its special
use (own folders only: a client must never take a shared \\Sent for its own) and whether it is subscribed; and
matching LIST patterns (`*` crosses levels, `%` does not; INBOX in any case). Reads folders and their counts in two
queries for every mailbox at once. Never writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mailserver.imap.places import SHARED_ROOT, Place, Places
from mailserver.store.imap_folders import INBOX, SEPARATOR, FolderDirectory
from mailserver.store.imap_records import FolderStatus

NOSELECT = "\\Noselect"
HAS_CHILDREN = "\\HasChildren"
HAS_NO_CHILDREN = "\\HasNoChildren"
SUBSCRIBED = "\\Subscribed"


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    place: Place | None  # None for the \Noselect names of the shared namespace
    status: FolderStatus | None
    noselect: bool
    has_children: bool
    special_use: str | None
    subscribed: bool

    def attributes(self, *, subscribed: bool, special_use: bool = True) -> list[str]:
        found = [NOSELECT] if self.noselect else []
        found.append(HAS_CHILDREN if self.has_children else HAS_NO_CHILDREN)
        if special_use and self.special_use:
            found.append(self.special_use)
        if subscribed and self.subscribed:
            found.append(SUBSCRIBED)
        return found


async def entries(places: Places, directory: FolderDirectory, *, with_size: bool = False) -> list[Entry]:
    """Every name the user may list, personal first, then the shared namespace."""
    visible = [places.own, *(a for a in places.shared.values() if "l" in a.rights)]
    statuses = await directory.list_folders([a.mailbox_id for a in visible], with_size=with_size)
    by_mailbox: dict[int, list[FolderStatus]] = {}
    for status in statuses:
        by_mailbox.setdefault(status.mailbox_id, []).append(status)
    found: list[Entry] = []
    for access in visible:
        if access.shared:
            if not found or found[-1].name.split(SEPARATOR)[0] != SHARED_ROOT:
                found.append(Entry(SHARED_ROOT, None, None, True, True, None, True))
            found.append(Entry(places.shared_root(access), None, None, True, True, None, True))
        for status in sorted(by_mailbox.get(access.mailbox_id, []), key=lambda s: s.name != INBOX):
            name = places.name_of(access, status.name)
            found.append(
                Entry(
                    name,
                    Place(access, status.name, name),
                    status,
                    status.noselect,
                    status.has_children,
                    None if access.shared else status.special_use,  # a client's own Sent is never a shared one
                    status.subscribed,
                )
            )
    return found


def pattern(reference: str, mailbox: str) -> re.Pattern[str]:
    """The regular expression of a LIST reference and pattern (RFC 3501 §6.3.8: the two are concatenated)."""
    text = reference + mailbox
    if text[:5].upper() == "INBOX" and (len(text) == 5 or text[5] == SEPARATOR):
        text = "INBOX" + text[5:]  # RFC 3501 §5.1: INBOX in any case
    parts = []
    for char in text:
        if char == "*":
            parts.append(".*")
        elif char == "%":
            parts.append(f"[^{re.escape(SEPARATOR)}]*")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def has_descendant(entry: Entry, others: list[Entry], predicate: Callable[[Entry], bool]) -> bool:
    """Whether a name below `entry` satisfies `predicate` (RFC 5258 §3.5 CHILDINFO)."""
    prefix = entry.name + SEPARATOR
    return any(o.name.startswith(prefix) and predicate(o) for o in others)
