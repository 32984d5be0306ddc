"""STORE and UID STORE (RFC 3501 §6.4.6) with UNCHANGEDSINCE and MODIFIED (RFC 7162 §3.1.3).

Owns applying a flag change to a set, the rights each flag needs (RFC 4314 §4: \\Seen "s", \\Deleted "t", the
others "w"; flags the user may not change are left alone), and what is answered: the new FLAGS of every message
in the set (not with .SILENT), with UID for UID STORE and MODSEQ once CONDSTORE is on; under CONDSTORE a .SILENT
store still reports MODSEQ for the messages it changed; messages that failed UNCHANGEDSINCE are listed in
`[MODIFIED ...]` and get no FETCH. Never sends EXPUNGE (a non-UID STORE must not, RFC 3501 §7.4.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.parser import Store, StoreMode
from mailserver.imap.places import Place
from mailserver.imap.replies import Reply, done
from mailserver.imap.selected import SelectedFolder, compact
from mailserver.store.imap_flagtext import FlagOperation

if TYPE_CHECKING:
    from mailserver.imap.session import Session

_RIGHT = {"\\seen": "s", "\\deleted": "t"}


def permitted(place: Place, flags: tuple[str, ...]) -> list[str]:
    return [f for f in flags if f.lower() != "\\recent" and place.may(_RIGHT.get(f.lower(), "w"))]


async def run(session: Session, tag: str, command: Store) -> Reply:
    selected = session.selected
    assert selected is not None
    intervals = selected.intervals(command.sequence_set, uid=command.uid)
    if command.unchanged_since is not None:
        session.enabled.add("CONDSTORE")
    if selected.read_only:
        return replies.READ_ONLY
    flags = permitted(selected.place, command.flags)
    if command.mode is StoreMode.REPLACE and not selected.place.may("stw"):
        return replies.NO_PERMISSION  # replacing would also change flags this user may not touch
    if not intervals:
        return done("STORE")
    result = await session.services.view.flags.store(
        selected.folder_id,
        selected.uid_ranges(intervals),
        FlagOperation(command.mode.value),
        flags,
        unchanged_since=command.unchanged_since,
    )
    changed: set[int] = set()
    for change in result.changed:
        index = selected.index_of(change.uid)
        if index is not None:
            selected.set_message(index, change.flags, change.modseq)
            changed.add(index)
    failed = set(result.failed)
    await _report(session, selected, command, intervals, changed, failed)
    if failed:
        numbers = failed if command.uid else {i + 1 for i in (selected.index_of(u) for u in failed) if i is not None}
        return Reply("OK", replies.MODIFIED_TEXT, f"MODIFIED {compact(sorted(numbers))}")
    return done("STORE")


async def _report(
    session: Session,
    selected: SelectedFolder,
    command: Store,
    intervals: list[tuple[int, int]],
    changed: set[int],
    failed: set[int],
) -> None:
    condstore = session.condstore
    if command.silent and not condstore:
        return
    out = session.out
    for first, last in intervals:
        for index in range(first, last + 1):
            uid = selected.uids[index]
            if uid in failed or uid in selected.pending_expunges:
                continue
            if command.silent and index not in changed:
                continue
            parts = [b"UID %d" % uid] if command.uid else []
            if not command.silent:
                parts.append(b"FLAGS (" + selected.flags[index].encode("ascii") + b")")
            if condstore:
                parts.append(b"MODSEQ (%d)" % selected.modseqs[index])
            await out.write_some(b"* %d FETCH (" % (index + 1) + b" ".join(parts) + b")\r\n")
