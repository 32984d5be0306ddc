"""Grammar of the commands that name no mailbox and no message: connection, authentication, session options.

Owns CAPABILITY, NOOP, LOGOUT, STARTTLS, AUTHENTICATE (RFC 4959 SASL-IR), LOGIN, ID (RFC 2971), ENABLE (RFC 5161),
IDLE (RFC 2177), NAMESPACE, CHECK, CLOSE, UNSELECT, and the lines a client sends in answer to a continuation
(IDLE's DONE, SASL responses). It must never check credentials or decide whether a command is allowed now.
"""

from __future__ import annotations

import base64
import binascii
import re

from mailserver.imap.parser.commands import (
    Authenticate,
    Capability,
    Check,
    Close,
    Enable,
    Id,
    Idle,
    Login,
    Logout,
    Namespace,
    Noop,
    StartTls,
    Unselect,
)
from mailserver.imap.parser.errors import ParseError
from mailserver.imap.parser.lexer import Reader

__all__ = [
    "SASL_CANCEL",
    "decode_sasl_response",
    "is_idle_done",
    "parse_authenticate",
    "parse_enable",
    "parse_id",
    "parse_login",
    "parse_no_arguments",
]

_BASE64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
_MECHANISM = re.compile(rb"[A-Za-z0-9_-]{1,20}")  # RFC 4422 §3.1: 1 to 20 of upper-case letters, digits, - and _
SASL_CANCEL = None
"""What `decode_sasl_response` returns for "*": the client cancels the exchange (RFC 3501 §6.2.2, answer BAD)."""

_NoArgument = Capability | Noop | Logout | StartTls | Idle | Namespace | Check | Close | Unselect
_NO_ARGUMENTS: dict[str, _NoArgument] = {
    "CAPABILITY": Capability(),
    "NOOP": Noop(),
    "LOGOUT": Logout(),
    "STARTTLS": StartTls(),
    "IDLE": Idle(),
    "NAMESPACE": Namespace(),
    "CHECK": Check(),
    "CLOSE": Close(),
    "UNSELECT": Unselect(),
}


def parse_no_arguments(name: str) -> _NoArgument:
    return _NO_ARGUMENTS[name]


def _base64(data: bytes) -> bytes:
    if data == b"=":
        return b""  # RFC 4959 §3: "=" is an empty initial response
    if _BASE64.fullmatch(data) is None:
        raise ValueError("not base64")
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc


def parse_authenticate(reader: Reader) -> Authenticate:
    reader.space()
    mechanism = reader.match(_MECHANISM, "SASL mechanism").decode("ascii").upper()
    if not reader.try_space():
        return Authenticate(mechanism)
    try:
        return Authenticate(mechanism, _base64(reader.text_until_end()))
    except ValueError as exc:
        raise reader.fail("Invalid base64 in initial response") from exc


def decode_sasl_response(line: bytes) -> bytes | None:
    """A client's answer to an AUTHENTICATE challenge: its decoded bytes, or None (`SASL_CANCEL`) for "*".

    Raises `ParseError` without a tag on invalid base64: the session answers with its command's tag.
    """
    line = line.strip(b" ")
    if line == b"*":
        return SASL_CANCEL
    try:
        return _base64(line) if line != b"=" else b""
    except ValueError as exc:
        raise ParseError(None, "Invalid base64 in SASL response") from exc


def is_idle_done(line: bytes) -> bool:
    """Whether a line sent during IDLE is the DONE that ends it (RFC 2177 §3), in any case."""
    return line.strip(b" ").upper() == b"DONE"


def _utf8(reader: Reader, data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise reader.fail(f"{what} is not valid UTF-8") from exc


def parse_login(reader: Reader) -> Login:
    reader.space()
    username = _utf8(reader, reader.astring("user name"), "User name")
    reader.space()
    password = _utf8(reader, reader.astring("password"), "Password")
    return Login(username, password)


def parse_id(reader: Reader) -> Id:
    reader.space()
    if reader.peek_word(b"NIL"):
        reader.atom("NIL")
        return Id(None)

    def pair() -> tuple[str, str | None]:
        # RFC 2971 §4 wants strings; bare atoms are taken too. The text is for the logs only, so it is lenient.
        field = reader.astring("ID field").decode("utf-8", "replace")
        reader.space()
        if reader.peek_word(b"NIL"):
            reader.atom("ID value")
            return field, None
        return field, reader.astring("ID value").decode("utf-8", "replace")

    # RFC 2971 §3.3 asks for at least one pair; an empty list is taken as "nothing to say".
    return Id(tuple(reader.parenthesized(pair, "ID parameters")))


def parse_enable(reader: Reader) -> Enable:
    capabilities: list[str] = []
    reader.space()
    capabilities.append(reader.atom("capability"))
    while reader.try_space():
        capabilities.append(reader.atom("capability"))
    return Enable(tuple(capabilities))
