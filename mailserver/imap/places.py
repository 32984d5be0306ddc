"""Where a mailbox name points: the user's own mailbox (personal namespace "") or a shared one ("Shared/").

Owns the mapping between the names a client sees and (mailbox, folder) pairs in the store (RFC 2342 NAMESPACE):
the user's own folders keep their names (`INBOX`, `Sent`, `Projets/2025`); an ORG or CAB mailbox delegated to
the user appears as `Shared/<address>/<folder>` with the delegation's RFC 4314 rights, under the \\Noselect
names `Shared` and `Shared/<address>`. The first level `Shared` is reserved in the personal namespace. Never
checks a right (commands do, with `Place.may`) and never reads folders itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailserver.store.imap_errors import FolderNotSelectable, InvalidFolderName, NoSuchFolder
from mailserver.store.imap_folders import SEPARATOR, FolderDirectory
from mailserver.store.imap_records import MailboxAccess

SHARED_ROOT = "Shared"
SHARED_PREFIX = SHARED_ROOT + SEPARATOR


@dataclass(frozen=True, slots=True)
class Place:
    """A folder of one of the user's mailboxes: `folder` is the store's name, `name` the client's."""

    access: MailboxAccess
    folder: str
    name: str

    @property
    def mailbox_id(self) -> int:
        return self.access.mailbox_id

    @property
    def shared(self) -> bool:
        return self.access.shared

    def may(self, rights: str) -> bool:
        """Whether the user holds every RFC 4314 right in `rights` on this mailbox."""
        return all(right in self.access.rights for right in rights)

    def may_any(self, rights: str) -> bool:
        return any(right in self.access.rights for right in rights)


class Places:
    """The mailboxes one user may open, and the names they go by."""

    def __init__(self, own: MailboxAccess, shared: list[MailboxAccess]) -> None:
        self.own = own
        self.shared = {access.address.lower(): access for access in shared}

    @classmethod
    async def load(cls, directory: FolderDirectory, own_mailbox_id: int) -> Places:
        found = await directory.accessible_mailboxes(own_mailbox_id)
        if not found or found[0].shared:
            raise NoSuchFolder("no mailbox", f"mailbox id {own_mailbox_id} is gone")
        return cls(found[0], found[1:])

    @property
    def accesses(self) -> list[MailboxAccess]:
        return [self.own, *self.shared.values()]

    def name_of(self, access: MailboxAccess, folder: str) -> str:
        """The client's name of a store folder."""
        if not access.shared:
            return folder
        return f"{SHARED_PREFIX}{access.address}{SEPARATOR}{folder}"

    def shared_root(self, access: MailboxAccess) -> str:
        return f"{SHARED_PREFIX}{access.address}"

    def resolve(self, name: str) -> Place:
        """The place a client name designates. Raises NoSuchFolder (unknown shared mailbox), FolderNotSelectable
        (the names `Shared` and `Shared/<address>` hold only other names) or InvalidFolderName."""
        name = name.rstrip(SEPARATOR) if len(name) > 1 else name
        if not name:
            raise InvalidFolderName("invalid mailbox name", "empty name")
        if name != SHARED_ROOT and not name.startswith(SHARED_PREFIX):
            return Place(self.own, name, name)
        rest = name[len(SHARED_PREFIX) :] if name != SHARED_ROOT else ""
        address, _, folder = rest.partition(SEPARATOR)
        if not address:
            raise FolderNotSelectable("this name holds only other mailboxes", "the shared namespace root")
        access = self.shared.get(address.lower())
        if access is None:
            raise NoSuchFolder("no such mailbox", "no shared mailbox of that address for this user")
        if not folder:
            raise FolderNotSelectable("this name holds only other mailboxes", "a shared mailbox root")
        return Place(access, folder, self.name_of(access, folder))

    def is_reserved(self, name: str) -> bool:
        """Whether a personal name would fall in the shared namespace (refused by CREATE and RENAME)."""
        return name == SHARED_ROOT or name.startswith(SHARED_PREFIX)
