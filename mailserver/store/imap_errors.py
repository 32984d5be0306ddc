"""Errors of the IMAP store API, each a kind of `mailserver.errors` error so generic handlers still work.

Owns the distinctions the IMAP session maps to distinct responses: a missing target folder (`NO [TRYCREATE]`,
RFC 3501 §6.3.11/§6.4.7), an existing name (`NO [ALREADYEXISTS]`, RFC 5530), an unselectable folder, a name
that is not valid here, a refused deletion and a missing right. Client text never names a path, a patient or
a secret.
"""

from __future__ import annotations

from mailserver.errors import AlreadyExists, CaduceeError, NotFound, UsageError


class NoSuchFolder(NotFound):
    """The folder does not exist (for COPY, MOVE and APPEND: answer `NO [TRYCREATE]`)."""


class FolderExists(AlreadyExists):
    """CREATE or RENAME to a name that is taken (RFC 5530 ALREADYEXISTS)."""


class InvalidFolderName(UsageError):
    """Not a folder name this server accepts (empty level, wildcard, control character, too long)."""


class FolderNotSelectable(UsageError):
    """A \\Noselect name: it only holds children (RFC 3501 §6.3.4); SELECT, APPEND and COPY into it fail."""


class CannotDelete(UsageError):
    """DELETE refused: INBOX, or a \\Noselect name that still has children (RFC 3501 §6.3.4)."""


class AccessDenied(CaduceeError):
    """The user lacks the RFC 4314 right the operation needs on a shared mailbox."""


class UnsupportedSpecialUse(UsageError):
    """CREATE with a SPECIAL-USE attribute the server does not support (RFC 6154 §3: `NO [USEATTR]`)."""
