"""From an error raised while a command ran to the tagged response the client gets (RFC 5530 response codes).

Owns the mapping of the store's and the services' typed errors to `NO [code]` / `BAD`, so that a failed
operation is never reported OK and the client sees a reason it can act on (TRYCREATE, ALREADYEXISTS, NOPERM...),
while the log keeps the detail. Anything unexpected is `NO [SERVERBUG]` with an incident id that the log line
carries too. Never sends the text of an unexpected exception to the client.
"""

from __future__ import annotations

import logging
import uuid

from mailserver.errors import CaduceeError, IntegrityError, StoreUnavailable
from mailserver.imap import replies
from mailserver.imap.replies import Reply
from mailserver.imap.selected import InvalidSequence
from mailserver.message.sections import BadSection
from mailserver.store.imap_errors import (
    AccessDenied,
    CannotDelete,
    FolderExists,
    FolderNotSelectable,
    InvalidFolderName,
    NoSuchFolder,
    UnsupportedSpecialUse,
)
from mailserver.store.imap_flagtext import InvalidFlag

_KNOWN: tuple[tuple[type[BaseException], Reply], ...] = (
    (InvalidSequence, replies.BAD_SEQUENCE),
    (BadSection, Reply("BAD", "Invalid section")),
    (InvalidFlag, replies.BAD_FLAG),
    (NoSuchFolder, replies.NO_SUCH_MAILBOX),
    (FolderExists, replies.ALREADY_EXISTS),
    (FolderNotSelectable, replies.NOT_SELECTABLE),
    (CannotDelete, replies.CANNOT),
    (InvalidFolderName, replies.CANNOT.with_text("Invalid mailbox name")),
    (UnsupportedSpecialUse, replies.BAD_SPECIAL_USE),
    (AccessDenied, replies.NO_PERMISSION),
    (StoreUnavailable, replies.UNAVAILABLE),
    (IntegrityError, replies.CORRUPTION),
)


def reply_for(error: Exception, log: logging.Logger, trace: str, command: str) -> Reply:
    """The tagged response for `error`, logging what the operator needs."""
    for kind, reply in _KNOWN:
        if isinstance(error, kind):
            detail = error.log_detail if isinstance(error, CaduceeError) else str(error)
            level = logging.ERROR if isinstance(error, IntegrityError) else logging.INFO
            log.log(level, "command refused", extra={"trace": trace, "command": command, "detail": detail})
            return reply
    if isinstance(error, CaduceeError):
        log.info("command refused", extra={"trace": trace, "command": command, "detail": error.log_detail})
        return Reply("NO", error.client_text)
    incident = uuid.uuid4().hex[:12]
    log.error("command failed", extra={"trace": trace, "command": command, "incident": incident}, exc_info=error)
    return replies.SERVER_BUG.with_text(f"Internal error, incident {incident}")
