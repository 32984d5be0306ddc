"""Telling the client what changed in its selected mailbox: EXISTS, FETCH FLAGS, EXPUNGE or VANISHED.

Owns bringing changes from the store into the session's `SelectedFolder` and the untagged responses that report
them (RFC 3501 §7.3.1, §7.4.1, RFC 7162 §3.2.10), whoever made them: this session, another session, another worker
process or node (the change feed's `FolderWatch` says when to look; `poll=True` also asks the database, for NOOP,
CHECK and IDLE). Expunges are held back while they may not be told (during FETCH, STORE, SEARCH, RFC 3501 §7.4.1),
so that sequence numbers stay consistent; new messages and flag changes are told at once. Applying changes is
idempotent: what the session already shows is not repeated. Never writes to the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import wire
from mailserver.imap.selected import SelectedFolder, compact
from mailserver.store.imap_announce import FOLDER_GONE
from mailserver.store.imap_records import FlagChange

if TYPE_CHECKING:
    from mailserver.imap.session import Session


async def refresh(session: Session, *, expunges_allowed: bool, poll: bool = False) -> None:
    """Bring the selected folder up to date and write what changed (expunges only when `expunges_allowed`)."""
    selected = session.selected
    if selected is None:
        return
    view = session.services.view
    latest = selected.watch.latest
    gone = selected.watch.gone
    if poll and not gone:
        current = await view.changes.highest_modseqs([selected.folder_id])
        found = current.get(selected.folder_id, FOLDER_GONE)
        gone = found == FOLDER_GONE
        latest = max(latest, found)
    if gone:
        await session.folder_gone()
        return
    if latest > selected.known_modseq:
        since = selected.known_modseq
        changes = await view.changes.changes_since(selected.folder_id, since)
        vanished = await view.changes.vanished_since(selected.folder_id, since)
        selected.known_modseq = latest
        await apply_changes(session, selected, changes, vanished)
    if expunges_allowed and selected.pending_expunges:
        await tell_expunges(session, selected, selected.pending_expunges.copy())
        if session.condstore:  # RFC 7162 §3.1.2.1: the client may store this value once it has every expunge
            session.out.write(b"* OK [HIGHESTMODSEQ %d] Highest\r\n" % selected.known_modseq)


async def apply_changes(
    session: Session, selected: SelectedFolder, changes: list[FlagChange], vanished: list[int]
) -> None:
    """Flag changes of known messages (FETCH), new messages (EXISTS); expunges become pending."""
    before = selected.exists
    top = selected.max_uid
    for change in changes:
        if change.uid > top:
            selected.append(change.uid, change.flags, change.modseq)
            top = change.uid
            continue
        index = selected.index_of(change.uid)
        if index is None or change.uid in selected.pending_expunges:
            continue
        if selected.flags[index] == change.flags and selected.modseqs[index] == change.modseq:
            continue  # this session made the change, and has told it already
        changed_flags = selected.flags[index] != change.flags
        selected.set_message(index, change.flags, change.modseq)
        if changed_flags or session.condstore:
            await session.out.write_some(unsolicited_fetch(session, index + 1, change.uid, change.flags, change.modseq))
    if selected.exists != before:
        session.out.write(b"* %d EXISTS\r\n" % selected.exists)
    for uid in vanished:
        if selected.index_of(uid) is not None:
            selected.pending_expunges.add(uid)


def unsolicited_fetch(session: Session, number: int, uid: int, flags: str, modseq: int) -> bytes:
    """`* n FETCH (UID u FLAGS (...) [MODSEQ (m)])`; UID always (RFC 7162 §3.2.4 asks it under QRESYNC)."""
    line = b"* %d FETCH (UID %d FLAGS (%s)" % (number, uid, flags.encode("ascii"))
    if session.condstore:
        line += b" MODSEQ (%d)" % modseq
    return line + b")\r\n"


async def tell_expunges(session: Session, selected: SelectedFolder, uids: set[int] | list[int]) -> None:
    """Remove messages from the numbering and say so: VANISHED under QRESYNC (RFC 7162 §3.2.10), else EXPUNGE
    with each number as it is at that moment (highest first, so the others do not shift)."""
    wanted = set(uids)
    if session.qresync:
        known = sorted(uid for uid in wanted if selected.index_of(uid) is not None)
        selected.remove(wanted)
        if known:
            session.out.write(b"* VANISHED " + compact(known).encode("ascii") + b"\r\n")
        return
    for number in selected.remove(wanted):
        await session.out.write_some(b"* %d EXPUNGE\r\n" % number)


def mailbox_name(session: Session, name: str) -> bytes:
    return wire.mailbox_name(name, utf8=session.utf8)
