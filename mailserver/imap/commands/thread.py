"""THREAD and UID THREAD (RFC 5256 §3) with ORDEREDSUBJECT and REFERENCES (`thread_algorithms`).

Owns reading the threading data of the messages that satisfy the search (from the store's search rows, never by
parsing a message) and numbering the result. Never sends EXPUNGE during a non-UID THREAD.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import thread_algorithms
from mailserver.imap.parser import Thread, ThreadAlgorithm
from mailserver.imap.replies import Reply, done
from mailserver.imap.search_criteria import criterion

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def run(session: Session, tag: str, command: Thread) -> Reply:
    selected = session.selected
    assert selected is not None
    wanted = criterion(command.key, selected)
    rows = await session.services.view.search.thread_rows(selected.folder_id, wanted, max_uid=selected.max_uid)
    rows = [row for row in rows if selected.index_of(row.uid) is not None]
    if command.algorithm is ThreadAlgorithm.REFERENCES:
        roots = thread_algorithms.references(rows)
    else:
        roots = thread_algorithms.ordered_subject(rows)

    def number(uid: int) -> int:
        if command.uid:
            return uid
        index = selected.index_of(uid)
        return 0 if index is None else index + 1  # rows were limited to known UIDs above

    threads = thread_algorithms.render(roots, number)
    session.out.write(b"* THREAD" + (b" " + threads if threads else b"") + b"\r\n")  # RFC 5256 §4
    return done("UID THREAD" if command.uid else "THREAD")
