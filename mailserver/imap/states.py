"""The states of an IMAP session (RFC 3501 §3, RFC 9051 §3) and the sets of states each command is valid in.

Owns the names only; `session` moves between them and `commands` says where each command may run.
"""

from __future__ import annotations

import enum


class State(enum.Enum):
    NOT_AUTHENTICATED = "not authenticated"
    AUTHENTICATED = "authenticated"
    SELECTED = "selected"
    LOGOUT = "logout"


ANY = frozenset({State.NOT_AUTHENTICATED, State.AUTHENTICATED, State.SELECTED})
NOT_AUTHENTICATED = frozenset({State.NOT_AUTHENTICATED})
AUTHENTICATED = frozenset({State.AUTHENTICATED, State.SELECTED})  # RFC 3501 §6.3: also valid when selected
AUTHENTICATED_ONLY = frozenset({State.AUTHENTICATED})
SELECTED = frozenset({State.SELECTED})
