"""Every SMTP reply we send, named, with its enhanced status code (RFC 5321 §4.2, RFC 3463, RFC 2034).

Owns the reply texts of the protocol layer; command handlers use these constants and never write a reply
literal. Policy refusals come as `policies.decision.Decision` and are turned into replies by `from_decision`.
Enhanced codes are sent on every 2xx/4xx/5xx reply except the greeting and the EHLO lines (RFC 2034 §3).
Texts never carry a patient identifier, a path or an exception message.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.decision import Decision


@dataclass(frozen=True)
class Reply:
    code: int
    enhanced: str | None
    text: str

    def line(self, **fields: object) -> str:
        """The reply line (without CRLF); `fields` fill the `{name}` slots of the text."""
        text = self.text.format(**fields) if fields else self.text
        return f"{self.code} {self.enhanced} {text}" if self.enhanced else f"{self.code} {text}"

    @property
    def closes(self) -> bool:
        """421: the server closes the connection after this reply (RFC 5321 §3.8)."""
        return self.code == 421

    @property
    def positive(self) -> bool:
        return self.code < 400


def from_decision(decision: Decision) -> Reply:
    """A policy decision as a reply (its text is what the peer may see, its log detail stays in the log)."""
    return Reply(decision.code, decision.enhanced, decision.text.replace("{", "(").replace("}", ")"))


# ---------------------------------------------------------------- session (RFC 5321 §4.3.2)
GREETING = Reply(220, None, "{host} ESMTP Caducee ready")  # RFC 2034 §3: no enhanced code in the greeting
EHLO_GREETING = "{host}"  # the client's name is not echoed back
HELO_OK = Reply(250, None, "{host}")
BYE = Reply(221, "2.0.0", "Bye")
OK = Reply(250, "2.0.0", "OK")
RESET = Reply(250, "2.0.0", "Reset")
HELP = Reply(214, "2.0.0", "See RFC 5321; commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP QUIT")
VRFY_NOT_DISCLOSED = Reply(252, "2.0.0", "Cannot VRFY user; send some mail and delivery will be attempted")
EXPN_DISABLED = Reply(502, "5.5.1", "EXPN not available")
SHUTTING_DOWN = Reply(421, "4.3.2", "Service shutting down, try again later")

SENDER_OK = Reply(250, "2.1.0", "Sender OK")
RECIPIENT_OK = Reply(250, "2.1.5", "Recipient OK")

# ---------------------------------------------------------------- TLS (RFC 3207)
READY_TLS = Reply(220, "2.0.0", "Ready to start TLS")
TLS_UNAVAILABLE = Reply(454, "4.7.0", "TLS not available")
TLS_ACTIVE = Reply(503, "5.5.1", "TLS already active")
TLS_REQUIRED = Reply(530, "5.7.0", "Must issue a STARTTLS command first")  # RFC 3207 §4

# ---------------------------------------------------------------- AUTH (RFC 4954)
AUTH_CHALLENGE = Reply(334, None, "{data}")  # RFC 4954 §4: base64 challenge, a space even when empty
AUTH_OK = Reply(235, "2.7.0", "Authentication successful")
AUTH_FAILED = Reply(535, "5.7.8", "Authentication credentials invalid")  # also for a locked account (see auth)
AUTH_TEMPORARY = Reply(454, "4.7.0", "Temporary authentication failure")
AUTH_REQUIRED = Reply(530, "5.7.0", "Authentication required")
AUTH_NEEDS_TLS = Reply(538, "5.7.11", "Encryption required for requested authentication mechanism")
AUTH_UNKNOWN_MECHANISM = Reply(504, "5.5.4", "Unrecognized authentication type")
AUTH_ALREADY = Reply(503, "5.5.1", "Already authenticated")
AUTH_IN_TRANSACTION = Reply(503, "5.5.1", "AUTH not permitted during a mail transaction")  # RFC 4954 §4
AUTH_CANCELLED = Reply(501, "5.7.0", "Authentication cancelled")  # RFC 4954 §4: client sent "*"
AUTH_BAD_BASE64 = Reply(501, "5.5.2", "Cannot decode base64 response")
AUTH_MALFORMED = Reply(501, "5.5.2", "Malformed authentication response")
AUTH_NOT_OFFERED = Reply(502, "5.5.1", "AUTH not available on this port")
AUTH_LINE_TOO_LONG = Reply(500, "5.5.6", "Authentication exchange line is too long")  # RFC 4954 §4

# ---------------------------------------------------------------- command syntax and sequence (RFC 5321 §4.2.2)
UNKNOWN_COMMAND = Reply(500, "5.5.1", "Command unrecognized")
SYNTAX_ERROR = Reply(500, "5.5.2", "Syntax error")
LINE_TOO_LONG = Reply(500, "5.5.2", "Line too long")  # RFC 5321 §4.5.3.1.10
BARE_LINE_ENDING_COMMAND = Reply(500, "5.5.2", "Command lines must end with CRLF")  # RFC 5321 §2.3.8
NON_ASCII_COMMAND = Reply(500, "5.5.2", "Command verbs are ASCII")
EHLO_SYNTAX = Reply(501, "5.5.4", "Syntax: EHLO domain")
NO_ARGUMENT_EXPECTED = Reply(501, "5.5.4", "This command takes no argument")
MAIL_SYNTAX = Reply(501, "5.5.4", "Syntax: MAIL FROM:<address> [parameters]")
RCPT_SYNTAX = Reply(501, "5.5.4", "Syntax: RCPT TO:<address> [parameters]")
BAD_SENDER_ADDRESS = Reply(553, "5.1.7", "Malformed sender address")  # RFC 3463 X.1.7
BAD_RECIPIENT_ADDRESS = Reply(553, "5.1.3", "Malformed recipient address")  # RFC 3463 X.1.3
PATH_TOO_LONG = Reply(501, "5.5.4", "Path too long")  # RFC 5321 §4.5.3.1.3
NON_ASCII_ADDRESS = Reply(553, "5.6.7", "Non-ASCII address requires the SMTPUTF8 parameter")  # RFC 6531 §3.7.4.1
PARAMETER_UNKNOWN = Reply(555, "5.5.4", "MAIL FROM/RCPT TO parameters not recognized or not implemented")
PARAMETER_INVALID = Reply(501, "5.5.4", "Invalid parameter value")
PARAMETER_REPEATED = Reply(501, "5.5.4", "Parameter given twice")
PARAMETERS_NEED_EHLO = Reply(501, "5.5.4", "Parameters need EHLO")  # RFC 5321 §4.1.1.2
SIZE_EXCEEDED = Reply(552, "5.3.4", "Message size exceeds fixed maximum message size")  # RFC 1870 §6.1
NEED_HELO = Reply(503, "5.5.1", "Send EHLO first")
NESTED_MAIL = Reply(503, "5.5.1", "Sender already given")
NEED_MAIL = Reply(503, "5.5.1", "Need MAIL command first")
NO_VALID_RECIPIENTS = Reply(554, "5.5.1", "No valid recipients")  # RFC 5321 §3.3
TOO_MANY_RECIPIENTS = Reply(452, "4.5.3", "Too many recipients")  # RFC 5321 §4.5.3.1.10, RFC 3463 X.5.3
TOO_MANY_ERRORS = Reply(421, "4.7.0", "Too many errors, closing connection")
IDLE_TIMEOUT = Reply(421, "4.4.2", "Idle timeout, closing connection")  # RFC 5321 §4.5.3.2, RFC 3463 X.4.2

# ---------------------------------------------------------------- DATA (RFC 5321 §4.1.1.4)
START_DATA = Reply(354, None, "End data with <CR><LF>.<CR><LF>")
MESSAGE_ACCEPTED = Reply(250, "2.0.0", "OK, message accepted as {trace}")
BARE_LINE_ENDING = Reply(550, "5.5.2", "Bare CR or LF in message data; lines must end with CRLF")  # RFC 5321 §2.3.8
DATA_LINE_TOO_LONG = Reply(500, "5.5.2", "Line too long in message data")  # RFC 5321 §4.5.3.1.6
DATA_TOO_BIG = Reply(552, "5.3.4", "Message size exceeds fixed maximum message size")  # RFC 1870 §6.3
TOO_MANY_HEADER_FIELDS = Reply(552, "5.3.4", "Too many header fields")  # RFC 3463 X.3.4 per-message limit

# ---------------------------------------------------------------- failures of ours (never the exception's text)
INTERNAL_ERROR = Reply(451, "4.3.0", "Internal error, try again later (trace {trace})")
