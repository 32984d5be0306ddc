"""SORT and UID SORT (RFC 5256 §3): the messages that satisfy the search, in the order of the sort criteria.

The order itself is computed by the store (base subject, first addresses, sent date with INTERNALDATE fallback,
ties by UID); this module translates the criteria and numbers the result. Never sends EXPUNGE during a non-UID
SORT (treated like SEARCH, RFC 3501 §7.4.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap.parser import Sort
from mailserver.imap.replies import Reply, done
from mailserver.imap.search_criteria import criterion
from mailserver.store.imap_criteria import SortBy, SortKey

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Sort) -> Reply:
    selected = session.selected
    assert selected is not None
    keys = [SortKey(SortBy(c.key.value), c.reverse) for c in command.criteria]
    wanted = criterion(command.key, selected)
    uids = await session.services.view.search.sort(selected.folder_id, keys, wanted, max_uid=selected.max_uid)
    numbers = uids if command.uid else [i + 1 for i in (selected.index_of(uid) for uid in uids) if i is not None]
    session.out.write(b"* SORT" + b"".join(b" %d" % n for n in numbers) + b"\r\n")
    return done("UID SORT" if command.uid else "SORT")
