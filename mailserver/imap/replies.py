"""Every IMAP status response we send, named, with its response code (RFC 3501 §7.1, RFC 5530, RFC 9051 §7.1).

Owns the texts of tagged completions and of untagged status lines; command modules use these constants and never
write a status literal. A `Reply` is the tagged completion a command returns; the session writes it after the
updates it owes the client. Texts never carry a patient identifier, a path, a secret or an exception message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from mailserver.imap import wire

Status = Literal["OK", "NO", "BAD"]


@dataclass(frozen=True, slots=True)
class Reply:
    status: Status
    text: str
    code: str | None = None

    def line(self, tag: str | None) -> bytes:
        """`<tag> <status> [<code>] <text>` with CRLF, or `* ...` without a tag."""
        return wire.status_response(tag, self.status, self.text, self.code)

    def with_code(self, code: str | None) -> Reply:
        return replace(self, code=code)

    def with_text(self, text: str) -> Reply:
        return replace(self, text=text)

    @property
    def ok(self) -> bool:
        return self.status == "OK"


def done(name: str, code: str | None = None) -> Reply:
    """The usual success: `OK [code] NAME completed`."""
    return Reply("OK", f"{name} completed", code)


# ---------------------------------------------------------------- connection (RFC 3501 §7.1.1, §7.1.5)
GREETING = Reply("OK", "Caducee IMAP ready")
BYE_LOGOUT = "Logging out"  # `* BYE` texts: the session writes them before closing
BYE_IDLE_TIMEOUT = "Autologout; idle for too long"  # RFC 9051 §5.4: at least 30 minutes
BYE_TOO_MANY_ERRORS = "Too many invalid commands"
BYE_SHUTDOWN = "Server shutting down"
BYE_FOLDER_GONE = "The selected mailbox was deleted"
BYE_TOO_LARGE = "Command stream cannot be resynchronised"
CONTINUE_LITERAL = b"+ Ready for literal data\r\n"
CONTINUE_IDLE = b"+ idling\r\n"

# ---------------------------------------------------------------- generic outcomes
BAD_STATE = Reply("BAD", "Command not valid in this state")
BAD_NOT_SELECTED = Reply("BAD", "No mailbox selected")
BAD_SEQUENCE = Reply("BAD", "Invalid message sequence number")
BAD_FLAG = Reply("BAD", "Invalid flag")
BAD_EXPECTED_DONE = Reply("BAD", "Expected DONE")
BAD_QRESYNC_NOT_ENABLED = Reply("BAD", "QRESYNC is not enabled")
BAD_VANISHED = Reply("BAD", "VANISHED needs QRESYNC and CHANGEDSINCE")
BAD_UNSUPPORTED = Reply("BAD", "Not supported by this server")
BAD_CANCELLED = Reply("BAD", "Authentication cancelled")
BAD_SASL_SYNTAX = Reply("BAD", "Invalid SASL response")
SERVER_BUG = Reply("NO", "Internal error", "SERVERBUG")  # RFC 5530 §3; the text gets the incident id
UNAVAILABLE = Reply("NO", "Temporary failure, try again later", "UNAVAILABLE")
CORRUPTION = Reply("NO", "Stored data failed an integrity check", "CORRUPTION")
NO_PERMISSION = Reply("NO", "Permission denied", "NOPERM")
READ_ONLY = Reply("NO", "The mailbox is read-only", "READ-ONLY")

# ---------------------------------------------------------------- authentication (RFC 3501 §6.2, RFC 5530)
LOGGED_IN = Reply("OK", "Logged in")
AUTH_FAILED = Reply("NO", "Authentication failed", "AUTHENTICATIONFAILED")
AUTHZ_FAILED = Reply("NO", "Not authorised to use this identity", "AUTHORIZATIONFAILED")
AUTH_UNAVAILABLE = Reply("NO", "Authentication temporarily unavailable", "UNAVAILABLE")
LOGIN_DISABLED = Reply("NO", "Use STARTTLS first", "PRIVACYREQUIRED")  # RFC 3501 §6.2.3 LOGINDISABLED
MECHANISM_UNKNOWN = Reply("NO", "Unsupported authentication mechanism", "CANNOT")
TOO_MANY_SESSIONS = Reply("NO", "Too many sessions for this user", "LIMIT")
ALREADY_AUTHENTICATED = Reply("BAD", "Already authenticated")
BEGIN_TLS = Reply("OK", "Begin TLS negotiation now")
TLS_ACTIVE = Reply("BAD", "TLS is already active")
TLS_UNAVAILABLE = Reply("BAD", "STARTTLS is not available here")

# ---------------------------------------------------------------- mailboxes (RFC 3501 §6.3, RFC 5530 §3)
NO_SUCH_MAILBOX = Reply("NO", "No such mailbox", "NONEXISTENT")
TRYCREATE = Reply("NO", "No such mailbox", "TRYCREATE")  # RFC 3501 §6.3.11, §6.4.7
ALREADY_EXISTS = Reply("NO", "Mailbox already exists", "ALREADYEXISTS")
CANNOT = Reply("NO", "This cannot be done to this mailbox", "CANNOT")
NOT_SELECTABLE = Reply("NO", "This name only holds other mailboxes", "CANNOT")
BAD_SPECIAL_USE = Reply("NO", "Unsupported special-use attribute", "USEATTR")  # RFC 6154 §3
INBOX_CANNOT_GO = Reply("NO", "INBOX cannot be deleted", "CANNOT")
RESERVED_NAME = Reply("NO", "This name is reserved for shared mailboxes", "CANNOT")
ACROSS_MAILBOXES = Reply("NO", "Cannot rename across mailboxes", "CANNOT")

# ---------------------------------------------------------------- messages (RFC 3501 §6.4)
EXPUNGE_ISSUED = Reply("NO", "Some of the requested messages no longer exist", "EXPUNGEISSUED")  # RFC 5530
EMPTY_MESSAGE = Reply("NO", "Empty message", "CANNOT")
MODIFIED_TEXT = "Conditional STORE failed"  # RFC 7162 §3.1.3
SAVE_UNSUPPORTED = Reply("BAD", "SEARCH RETURN (SAVE) is not supported")
BINARY_UNSUPPORTED = Reply("BAD", "BINARY is not supported")
ENABLE_NOT_HERE = Reply("BAD", "ENABLE must come before SELECT")
