"""Reading back what a test server stored: the raw messages of a mailbox's folder, oldest first."""

from __future__ import annotations

from mailserver.store import Store


async def messages_of(store: Store, address: str, folder: str = "INBOX") -> list[bytes]:
    box = await store.accounts.get_mailbox(address)
    assert box is not None, address
    (found,) = [f for f in await store.mail.folders_of(box.id) if f.name == folder]
    return [await store.mail.read_message(mid) for _, mid in await store.mail.folder_uids(found.id)]
