"""What every IMAP session of a process shares: the store's IMAP view, the authenticator, the access log, the
limits, the TLS context, the cache of SELECT snapshots and the count of sessions per user.

Owns `SessionLimits` (from the `[imap]` settings), `SessionRegistry` (the per-user session limit and the list of
live sessions, for shutdown) and `ImapServices`. Built once by `listeners` (or by a test); never holds the state of
one session.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from mailserver.auth.authenticator import Authenticator
from mailserver.imap.access_log import AccessLog
from mailserver.imap.parser import FramingLimits
from mailserver.imap.snapshots import SnapshotCache
from mailserver.store import utcnow
from mailserver.store.imapview import ImapView

if TYPE_CHECKING:
    from mailserver.imap.session import Session

PRE_AUTH_LITERAL = 16 * 1024  # before login only names and credentials travel as literals


@dataclass(frozen=True)
class SessionLimits:
    max_literal_size: int = 25 * 1024 * 1024  # APPENDLIMIT (RFC 7889)
    max_line_length: int = 8192  # RFC 7162 §4: at least 8192 octets
    max_argument_literal_size: int = 64 * 1024
    idle_timeout: float = 1800.0  # RFC 9051 §5.4: at least 30 minutes
    max_sessions_per_user: int = 20
    max_bad_commands: int = 20  # consecutive BAD answers before `* BYE`
    fetch_batch: int = 500  # messages read from the store per query in a FETCH
    body_batch_bytes: int = 8 * 1024 * 1024  # message bytes held at once in a body FETCH

    def framing(self, *, authenticated: bool) -> FramingLimits:
        """The framer's limits: message-sized literals (APPEND) only once the client has logged in."""
        if not authenticated:
            small = min(PRE_AUTH_LITERAL, self.max_argument_literal_size)
            return FramingLimits(self.max_line_length, small, small, small + 4 * self.max_line_length)
        return FramingLimits(
            self.max_line_length,
            self.max_literal_size,
            self.max_argument_literal_size,
            self.max_literal_size + 4 * self.max_line_length + self.max_argument_literal_size,
        )


class SessionRegistry:
    """Live sessions of this process, and how many each user has (`max_sessions_per_user`)."""

    def __init__(self, max_per_user: int) -> None:
        self._max = max_per_user
        self._users: dict[str, int] = {}
        self.sessions: set[Session] = set()

    def acquire(self, user: str) -> bool:
        key = user.lower()
        if self._users.get(key, 0) >= self._max:
            return False
        self._users[key] = self._users.get(key, 0) + 1
        return True

    def release(self, user: str) -> None:
        key = user.lower()
        left = self._users.get(key, 0) - 1
        if left > 0:
            self._users[key] = left
        else:
            self._users.pop(key, None)

    def count(self, user: str) -> int:
        return self._users.get(user.lower(), 0)


@dataclass
class ImapServices:
    view: ImapView
    authenticator: Authenticator
    access_log: AccessLog
    limits: SessionLimits = field(default_factory=SessionLimits)
    tls_context: ssl.SSLContext | None = None  # STARTTLS on the plain listener
    clock: Callable[[], datetime] = utcnow
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("caducee.imap"))
    snapshots: SnapshotCache = field(default_factory=SnapshotCache)
    registry: SessionRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.registry = SessionRegistry(self.limits.max_sessions_per_user)
