"""SELECT and EXAMINE (RFC 3501 §6.3.1-2, RFC 9051 §6.3.2), with CONDSTORE and QRESYNC (RFC 7162 §3.1.8, §3.2.5).

Owns opening a folder: the snapshot (UIDs, flags, modseqs in memory), FLAGS and PERMANENTFLAGS (what this user's
rights let them change), EXISTS, RECENT, UNSEEN, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, READ-WRITE or READ-ONLY, and
for QRESYNC the expunges (`VANISHED (EARLIER)`) and flag changes since the client's modseq. The change feed watch is
opened before the snapshot is read, so nothing committed in between is missed. A failed SELECT leaves no folder
selected (RFC 3501 §6.3.1). Each SELECT is traced in the audit log. Never writes to the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.parser import Examine, QresyncParameters, Select
from mailserver.imap.places import Place
from mailserver.imap.replies import Reply
from mailserver.imap.selected import SelectedFolder, compact
from mailserver.imap.snapshots import CachedSnapshot
from mailserver.imap.updates import unsolicited_fetch
from mailserver.store.imap_errors import FolderNotSelectable, NoSuchFolder
from mailserver.store.imap_feed import FolderWatch
from mailserver.store.records import Folder

if TYPE_CHECKING:
    from mailserver.imap.session import Session

SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")


async def run(session: Session, tag: str, command: Select | Examine) -> Reply:
    examine = isinstance(command, Examine)
    if command.qresync is not None and not session.qresync:
        return replies.BAD_QRESYNC_NOT_ENABLED  # RFC 7162 §3.2.5
    if command.condstore:
        session.enabled.add("CONDSTORE")
    if session.selected is not None:
        session.deselect()  # RFC 3501 §6.3.1: the previous folder is closed even if this SELECT fails
        session.out.write(b"* OK [CLOSED] Previous mailbox closed\r\n")  # RFC 7162 §3.2.11
    user = session.user
    assert user is not None
    place = user.places.resolve(command.mailbox)
    action = "imap.examine" if examine else "imap.select"
    if not place.may("r"):
        _trace(session, place, action, "denied")
        return replies.NO_PERMISSION if place.may("l") else replies.NO_SUCH_MAILBOX
    folder, watch = await _open(session, place)
    try:
        cached = await _snapshot(session, folder)
    except BaseException:
        watch.close()
        raise
    writable = not examine and place.may_any("swte")
    selected = SelectedFolder.open(place, cached.snapshot, watch, read_only=not writable)
    session.select(selected)
    _write_state(session, selected, place, cached)
    if command.qresync is not None and command.qresync.uidvalidity == selected.uidvalidity:
        await _resynchronise(session, selected, command.qresync)
    _trace(session, place, action, "ok")
    return Reply("OK", f"{'EXAMINE' if examine else 'SELECT'} completed", "READ-WRITE" if writable else "READ-ONLY")


async def _open(session: Session, place: Place) -> tuple[Folder, FolderWatch]:
    """The folder, read by id after its change watch was opened (so nothing committed after that read is missed),
    and the watch. The id comes from the process's memory of the folders selected before, else from a lookup by
    name; the row read by id must still bear the name."""
    view = session.services.view
    cache = session.services.snapshots
    for _ in range(2):
        known = cache.folder_id(place.mailbox_id, place.folder)
        if known is None:
            found = await view.directory.folder(place.mailbox_id, place.folder)
            cache.remember_folder(place.mailbox_id, place.folder, found.id, found.name)
            known = (found.id, found.name)
        folder_id, name = known
        watch = view.watch(folder_id, 0)
        try:
            folder = await view.directory.folder_by_id(folder_id, selectable=True)
        except (NoSuchFolder, FolderNotSelectable):
            folder = None
        except BaseException:
            watch.close()
            raise
        if folder is not None and folder.mailbox_id == place.mailbox_id and folder.name == name:
            return folder, watch
        watch.close()  # renamed, deleted or made \Noselect since: look the name up again
        cache.forget_folder(place.mailbox_id, place.folder)
    raise NoSuchFolder("no such folder", f"{place.folder!r} changed while it was being selected")


async def _snapshot(session: Session, folder: Folder) -> CachedSnapshot:
    """The folder's snapshot: from the process's cache when the folder has not changed since it was read, else
    read by the store (which is kept warm too)."""
    cache = session.services.snapshots
    cached = cache.get(folder.id, folder.uidvalidity, folder.uidnext, folder.highestmodseq)
    return cached or cache.put(await session.services.view.messages.snapshot(folder.id))


def _write_state(session: Session, selected: SelectedFolder, place: Place, cached: CachedSnapshot) -> None:
    out = session.out
    keywords = list(cached.keywords)
    first_unseen = cached.first_unseen
    out.write(b"* FLAGS (" + " ".join([*SYSTEM_FLAGS, *keywords]).encode("ascii") + b")\r\n")
    if selected.read_only:
        permanent: list[str] = []
    else:
        permanent = [f for f in SYSTEM_FLAGS if _may_store(place, f)]
        if place.may("w"):
            permanent += [*keywords, "\\*"]  # RFC 3501 §7.1: \* lets the client create keywords
    out.write(b"* OK [PERMANENTFLAGS (" + " ".join(permanent).encode("ascii") + b")] Flags permitted\r\n")
    out.write(b"* %d EXISTS\r\n* 0 RECENT\r\n" % selected.exists)
    if first_unseen is not None:
        out.write(b"* OK [UNSEEN %d] First unseen\r\n" % first_unseen)
    out.write(b"* OK [UIDVALIDITY %d] UIDs valid\r\n" % selected.uidvalidity)
    out.write(b"* OK [UIDNEXT %d] Predicted next UID\r\n" % selected.uidnext)
    out.write(b"* OK [HIGHESTMODSEQ %d] Highest\r\n" % selected.known_modseq)  # RFC 7162 §3.1.2.1


def _may_store(place: Place, flag: str) -> bool:
    """RFC 4314 §4: \\Seen needs "s", \\Deleted needs "t", every other flag "w"."""
    return place.may({"\\Seen": "s", "\\Deleted": "t"}.get(flag, "w"))


async def _resynchronise(session: Session, selected: SelectedFolder, qresync: QresyncParameters) -> None:
    """RFC 7162 §3.2.5.1: what vanished and what changed since the client's modseq, among the UIDs it knows."""
    largest = max(selected.uidnext - 1, selected.max_uid)
    known = qresync.known_uids.resolve(largest) if qresync.known_uids is not None else None
    ranges = list(known.intervals) if known is not None else None
    view = session.services.view
    vanished = await view.changes.vanished_since(selected.folder_id, qresync.modseq, ranges)
    if vanished:
        session.out.write(b"* VANISHED (EARLIER) " + compact(vanished).encode("ascii") + b"\r\n")
    for index, modseq in enumerate(selected.modseqs):
        uid = selected.uids[index]
        if modseq > qresync.modseq and (known is None or uid in known):
            await session.out.write_some(unsolicited_fetch(session, index + 1, uid, selected.flags[index], modseq))


def _trace(session: Session, place: Place, action: str, result: str) -> None:
    user = session.user
    assert user is not None
    session.services.access_log.note(user.actor, action, place.access.address, result, {"folder": place.folder})
