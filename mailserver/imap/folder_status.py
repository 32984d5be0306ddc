"""The `* STATUS` response (RFC 3501 §7.2.4), for STATUS and LIST-STATUS (RFC 5819), from a `FolderStatus`.

Owns the item values: RECENT is always 0 (this server keeps no \\Recent state, RFC 9051 dropped it),
HIGHESTMODSEQ (RFC 7162 §3.1.6), SIZE (RFC 8438) and DELETED (RFC 9051 §6.3.11). Never reads the store.
"""

from __future__ import annotations

from mailserver.imap.parser import StatusItem
from mailserver.store.imap_records import FolderStatus


def status_values(status: FolderStatus, items: tuple[StatusItem, ...]) -> bytes:
    values = {
        StatusItem.MESSAGES: status.messages,
        StatusItem.RECENT: 0,
        StatusItem.UIDNEXT: status.uidnext,
        StatusItem.UIDVALIDITY: status.uidvalidity,
        StatusItem.UNSEEN: status.unseen,
        StatusItem.HIGHESTMODSEQ: status.highestmodseq,
        StatusItem.SIZE: status.size or 0,
        StatusItem.DELETED: status.deleted,
    }
    return b" ".join(b"%s %d" % (item.value.encode("ascii"), values[item]) for item in dict.fromkeys(items))


def status_line(name: bytes, status: FolderStatus, items: tuple[StatusItem, ...]) -> bytes:
    return b"* STATUS " + name + b" (" + status_values(status, items) + b")\r\n"
