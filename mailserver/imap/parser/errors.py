"""The one error the IMAP parser raises.

Owns `ParseError`: what the session needs to answer `<tag> BAD <text>` (or `* BAD` without a usable tag) and carry
on. The client text is short and says what is wrong; it must never echo client data (a search string may hold a
patient name), and the log detail holds positions, never content.
"""

from __future__ import annotations

from typing import Literal

from mailserver.errors import CaduceeError

__all__ = ["ParseError", "ResponseStatus"]

ResponseStatus = Literal["BAD", "NO"]


class ParseError(CaduceeError):
    """A command could not be parsed. `tag` is None when the line has no usable tag (answer with `* BAD`).

    `status` is BAD for syntax; NO only where an RFC asks for it (e.g. `NO [BADCHARSET]`, RFC 3501 §6.4.4).
    `code` is an optional response code without brackets, such as "BADCHARSET" or "TOOBIG".
    """

    def __init__(
        self,
        tag: str | None,
        client_text: str,
        log_detail: str | None = None,
        *,
        code: str | None = None,
        status: ResponseStatus = "BAD",
    ) -> None:
        super().__init__(client_text, log_detail)
        self.tag = tag
        self.code = code
        self.status: ResponseStatus = status

    def __repr__(self) -> str:
        return f"ParseError(tag={self.tag!r}, status={self.status!r}, code={self.code!r}, text={self.client_text!r})"
