"""LIST (RFC 3501 §6.3.8) with LIST-EXTENDED (RFC 5258), SPECIAL-USE (RFC 6154), CHILDREN (RFC 3348) and
LIST-STATUS (RFC 5819).

Owns the selection options (SUBSCRIBED, SPECIAL-USE, RECURSIVEMATCH with its CHILDINFO, REMOTE which changes
nothing here) and the return options (SUBSCRIBED, CHILDREN, SPECIAL-USE, STATUS). \\HasChildren/\\HasNoChildren
and special-use attributes are always returned, which RFC 5258 §4 and RFC 6154 §2 allow. The list of shared
mailboxes is read again at each LIST, so a new delegation shows without logging in again. Never writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailserver.imap import listing
from mailserver.imap.folder_status import status_line
from mailserver.imap.parser import List, ListReturnOption, ListSelectOption, StatusItem
from mailserver.imap.places import Places
from mailserver.imap.replies import Reply, done
from mailserver.store.imap_folders import SEPARATOR

if TYPE_CHECKING:
    from mailserver.imap.session import Session

ROOT = b'* LIST (\\Noselect) "' + SEPARATOR.encode("ascii") + b'" ""\r\n'  # RFC 3501 §6.3.8: LIST "" ""
CHILDINFO = b' ("CHILDINFO" ("SUBSCRIBED"))'


async def run(session: Session, tag: str, command: List) -> Reply:
    user = session.user
    assert user is not None
    view = session.services.view
    user.places = await Places.load(view.directory, user.mailbox.id)
    patterns = [p for p in command.patterns if p]
    if len(patterns) < len(command.patterns):
        session.out.write(ROOT)
    if not patterns:
        return done("LIST")
    status_items = command.status_items if ListReturnOption.STATUS in command.return_options else ()
    if StatusItem.HIGHESTMODSEQ in status_items:
        session.enabled.add("CONDSTORE")
    found = await listing.entries(user.places, view.directory, with_size=StatusItem.SIZE in status_items)
    regexes = [listing.pattern(command.reference, p) for p in patterns]
    options = command.select_options
    only_subscribed = ListSelectOption.SUBSCRIBED in options
    show_subscribed = only_subscribed or ListReturnOption.SUBSCRIBED in command.return_options
    for entry in found:
        if not any(regex.match(entry.name) for regex in regexes):
            continue
        childinfo = False
        if only_subscribed and not entry.subscribed:
            if ListSelectOption.RECURSIVEMATCH not in options:
                continue
            if not listing.has_descendant(entry, found, lambda other: other.subscribed):
                continue
            childinfo = True  # RFC 5258 §3.5: listed for a subscribed child the pattern does not reach
        if ListSelectOption.SPECIAL_USE in options and not entry.special_use:
            continue
        attributes = " ".join(entry.attributes(subscribed=show_subscribed)).encode("ascii")
        line = b"* LIST (" + attributes + b') "/" ' + session.mailbox_name(entry.name)
        await session.out.write_some(line + (CHILDINFO if childinfo else b"") + b"\r\n")
        if status_items and entry.status is not None and not entry.noselect and not childinfo:
            session.out.write(status_line(session.mailbox_name(entry.name), entry.status, status_items))
    return done("LIST")
