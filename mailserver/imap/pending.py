"""A command waiting for a continuation line from the client: IDLE's DONE (RFC 2177) or a SASL response
(RFC 3501 §6.2.2).

Owns `Pending`: the waiting command's tag, what to do with the line, and what to do if the line is refused by the
framer (too long). Never reads the line itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mailserver.imap.replies import Reply


@dataclass
class Pending:
    tag: str
    on_line: Callable[[bytes], Awaitable[Reply | None]]  # the tagged reply, or None when it waits again
    on_abort: Callable[[], Awaitable[None]] | None = None
