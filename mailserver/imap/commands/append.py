"""APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315 §3), TRYCREATE and APPENDLIMIT (RFC 7889).

Owns storing a client's message through the delivery path (`ImapView.copier.append`, which uses
`MailStore.append`): the summary FETCH and SEARCH will use is computed here, once, with `mailserver.message`
(a big message is parsed in a worker thread), and `OK` is written only after the commit. The flag list may be
absent (mbsync sends none); \\Recent is the server's and is dropped; flags this user's rights do not allow are
dropped (RFC 4314 §4). A missing folder is `NO [TRYCREATE]`. Never stores a message twice for one APPEND.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

from mailserver.imap import replies
from mailserver.imap.parser import Append
from mailserver.imap.places import Place
from mailserver.imap.replies import Reply, done
from mailserver.message import summarise
from mailserver.store.imap_errors import NoSuchFolder
from mailserver.store.mail import NewMessage

if TYPE_CHECKING:
    from mailserver.imap.session import Session

PARSE_INLINE_BYTES = 256 * 1024  # bigger messages are summarised in a worker thread, off the event loop


async def run(session: Session, tag: str, command: Append) -> Reply:
    user = session.user
    assert user is not None
    try:
        place = user.places.resolve(command.mailbox)
    except NoSuchFolder:
        return replies.NO_SUCH_MAILBOX  # a shared mailbox this user does not have: creating would not help
    if not place.may("i"):
        return replies.NO_PERMISSION
    if not command.message:
        return replies.EMPTY_MESSAGE
    view = session.services.view
    try:
        await view.directory.folder(place.mailbox_id, place.folder)
    except NoSuchFolder:
        return replies.TRYCREATE  # before parsing: the client learns at once that it should CREATE
    message = await _new_message(command, session.services.clock())
    try:
        flags = allowed_flags(place, command.flags)
        appended = await view.copier.append(place.mailbox_id, place.folder, message, flags)
    except NoSuchFolder:
        return replies.TRYCREATE  # RFC 3501 §6.3.11
    return done("APPEND", f"APPENDUID {appended.uidvalidity} {appended.uid}")


def allowed_flags(place: Place, flags: tuple[str, ...]) -> list[str]:
    rights = {"\\Seen": "s", "\\Deleted": "t"}
    return [f for f in flags if f.lower() != "\\recent" and place.may(rights.get(f, "w"))]


async def _new_message(command: Append, now: dt.datetime) -> NewMessage:
    raw = command.message
    summary = summarise(raw) if len(raw) <= PARSE_INLINE_BYTES else await asyncio.to_thread(summarise, raw)
    when = (command.internal_date or now).astimezone(dt.UTC)
    return NewMessage.of(raw, summary, when)
