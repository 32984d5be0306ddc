"""Typed errors of Caducée.

Owns the error hierarchy. Every error keeps what a peer or a user may see (`client_text`) apart from what the
operator needs (`log_detail`). Never put a patient identifier, a path or a secret in `client_text`.
"""

from __future__ import annotations


class CaduceeError(Exception):
    """Base class. `exit_code` is what the `caducee` command exits with when this error ends it."""

    exit_code = 1

    def __init__(self, client_text: str, log_detail: str | None = None) -> None:
        super().__init__(client_text)
        self.client_text = client_text
        self.log_detail = log_detail if log_detail is not None else client_text


class ConfigError(CaduceeError):
    """The configuration file is missing, unreadable or invalid. Names the key (or the path) and the reason."""

    exit_code = 2

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class UsageError(CaduceeError):
    """A command was called with arguments that cannot work (bad INS, unknown mailbox type, ...)."""

    exit_code = 2


class NotFound(CaduceeError):
    """The named object (mailbox, patient, queue entry) does not exist."""

    exit_code = 1


class AlreadyExists(CaduceeError):
    """The object to create exists already (addresses and INS are unique and immutable)."""

    exit_code = 1


class IntegrityError(CaduceeError):
    """Stored data failed an integrity check (a tampered blob, a broken audit chain)."""

    exit_code = 3


class StoreUnavailable(CaduceeError):
    """The database could not be reached or refused the operation; the caller should answer a temporary failure."""

    exit_code = 4
