"""Parsing SMTP command lines into typed requests, without I/O (the parser is not the session).

Owns the grammar of RFC 5321 §4.1: a verb and its argument, `MAIL FROM:<path> [params]` and
`RCPT TO:<path> [params]` with the mailbox syntax of §4.1.2 (dot-string or quoted local part, domain or address
literal; UTF-8 only with SMTPUTF8, RFC 6531 §3.3), the length limits of §4.5.3.1, and the parameters we offer:
SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461 §4.3-4.4), AUTH= (RFC 4954 §5,
accepted and ignored), NOTIFY and ORCPT (RFC 3461 §4.1-4.2) with xtext decoding (RFC 3461 §4). A bad request
raises `CommandError` carrying the named reply. Never decides policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailserver.delivery.envelope import MailParams
from mailserver.smtp import replies
from mailserver.smtp.replies import Reply

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\x80-\U0010ffff]"
_DOT_STRING = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_QUOTED = re.compile(r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e\x80-\U0010ffff]|\\[\x20-\x7e])*"')  # RFC 5321 §4.1.2
_LABEL = r"[A-Za-z0-9\x80-\U0010ffff](?:[A-Za-z0-9\x80-\U0010ffff-]{0,61}[A-Za-z0-9\x80-\U0010ffff])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_ADDRESS_LITERAL = re.compile(r"\[(?:[0-9.]{7,15}|IPv6:[0-9A-Fa-f:.]{2,45})\]")
_KEYWORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")  # RFC 5321 §4.1.2 esmtp-keyword
_VALUE = re.compile(r"[\x21-\x3c\x3e-\x7e\x80-\U0010ffff]+")  # esmtp-value: no "=" and no blanks
_XTEXT = re.compile(r"(?:[\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-F]{2})*")  # RFC 3461 §4
_HEXCHAR = re.compile(r"\+([0-9A-F]{2})")
_VERB = re.compile(r"[A-Za-z]{1,16}")

MAX_LOCAL_PART = 64  # RFC 5321 §4.5.3.1.1
MAX_DOMAIN = 255  # RFC 5321 §4.5.3.1.2
MAX_PATH = 256  # RFC 5321 §4.5.3.1.3
MAX_ENVID = 100  # RFC 3461 §4.4
MAX_ORCPT = 500  # RFC 3461 §4.2
NOTIFY_EVENTS = ("SUCCESS", "FAILURE", "DELAY")


class CommandError(Exception):
    """The request is malformed; `reply` says how (a named reply of `replies`)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.text)
        self.reply = reply


@dataclass(frozen=True)
class MailRequest:
    address: str  # "" for the null reverse path
    params: MailParams


@dataclass(frozen=True)
class RcptRequest:
    address: str
    notify: frozenset[str] | None
    orcpt: str | None


def split_command(line: str) -> tuple[str, str]:
    """(VERB, argument) of a command line without its CRLF; CommandError when the verb is not a word."""
    verb, _, arg = line.partition(" ")
    if not _VERB.fullmatch(verb):
        raise CommandError(replies.UNKNOWN_COMMAND)
    return verb.upper(), arg.strip(" ")


def parse_mail(arg: str, *, esmtp: bool) -> MailRequest:
    """`FROM:<reverse-path> [SP mail-parameters]` (RFC 5321 §4.1.1.2)."""
    path, params = _split_path(arg, "FROM:", replies.MAIL_SYNTAX)
    if params and not esmtp:
        raise CommandError(replies.PARAMETERS_NEED_EHLO)
    values = _parameters(params)
    smtputf8 = "SMTPUTF8" in values
    if smtputf8 and values["SMTPUTF8"] is not None:
        raise CommandError(replies.PARAMETER_INVALID)
    address = "" if path == "" else _mailbox(path, smtputf8, replies.BAD_SENDER_ADDRESS)
    size: int | None = None
    if "SIZE" in values:
        raw = values["SIZE"] or ""
        if not raw.isdigit() or len(raw) > 20:  # RFC 1870 §3: size-value = 1*20DIGIT
            raise CommandError(replies.PARAMETER_INVALID)
        size = int(raw)
    body = (values.get("BODY") or "7BIT").upper() if "BODY" in values else "7BIT"
    if body not in ("7BIT", "8BITMIME"):  # RFC 6152 §2; BINARYMIME (RFC 3030) is not offered
        raise CommandError(replies.PARAMETER_INVALID)
    ret = values.get("RET")
    if "RET" in values and (ret is None or ret.upper() not in ("FULL", "HDRS")):  # RFC 3461 §4.3
        raise CommandError(replies.PARAMETER_INVALID)
    envid = None
    if "ENVID" in values:
        envid = _xtext(values["ENVID"] or "")
        if not envid or len(values["ENVID"] or "") > MAX_ENVID:  # RFC 3461 §4.4
            raise CommandError(replies.PARAMETER_INVALID)
    if "AUTH" in values and values["AUTH"] is None:  # RFC 4954 §5: AUTH=<mailbox> or AUTH=<>, ignored
        raise CommandError(replies.PARAMETER_INVALID)
    unknown = set(values) - {"SIZE", "BODY", "SMTPUTF8", "RET", "ENVID", "AUTH"}
    if unknown:
        raise CommandError(replies.PARAMETER_UNKNOWN)
    params_out = MailParams(size, body, smtputf8, ret.upper() if ret else None, envid)
    return MailRequest(address, params_out)


def parse_rcpt(arg: str, *, esmtp: bool, smtputf8: bool) -> RcptRequest:
    """`TO:<forward-path> [SP rcpt-parameters]` (RFC 5321 §4.1.1.3)."""
    path, params = _split_path(arg, "TO:", replies.RCPT_SYNTAX)
    if params and not esmtp:
        raise CommandError(replies.PARAMETERS_NEED_EHLO)
    if path == "":
        raise CommandError(replies.BAD_RECIPIENT_ADDRESS)
    address = _mailbox(path, smtputf8, replies.BAD_RECIPIENT_ADDRESS)
    values = _parameters(params)
    unknown = set(values) - {"NOTIFY", "ORCPT"}
    if unknown:
        raise CommandError(replies.PARAMETER_UNKNOWN)
    notify: frozenset[str] | None = None
    if "NOTIFY" in values:
        words = [w.upper() for w in (values["NOTIFY"] or "").split(",")]
        listed = all(w in NOTIFY_EVENTS for w in words) and len(set(words)) == len(words)
        if words != ["NEVER"] and not listed:  # RFC 3461 §4.1: NEVER alone, or some of SUCCESS, FAILURE, DELAY
            raise CommandError(replies.PARAMETER_INVALID)
        notify = frozenset(words)
    orcpt: str | None = None
    if "ORCPT" in values:
        raw = values["ORCPT"] or ""
        addr_type, sep, encoded = raw.partition(";")
        if not sep or not _KEYWORD.fullmatch(addr_type) or not encoded or len(raw) > MAX_ORCPT:
            raise CommandError(replies.PARAMETER_INVALID)
        orcpt = f"{addr_type.lower()};{_xtext(encoded)}"  # RFC 3461 §4.2: addr-type ";" xtext
    return RcptRequest(address, notify, orcpt)


def _split_path(arg: str, keyword: str, syntax: Reply) -> tuple[str, str]:
    """The path between angle brackets and the parameters after it."""
    if arg[: len(keyword)].upper() != keyword:
        raise CommandError(syntax)
    rest = arg[len(keyword) :].lstrip(" ")  # tolerated: "MAIL FROM: <a@b>" (RFC 5321 has no space)
    if not rest.startswith("<"):
        raise CommandError(syntax)
    end = _closing_bracket(rest)
    if end < 0:
        raise CommandError(syntax)
    path = rest[1:end]
    if len(path) + 2 > MAX_PATH:
        raise CommandError(replies.PATH_TOO_LONG)
    after = rest[end + 1 :]
    if after and not after.startswith(" "):
        raise CommandError(syntax)
    if path.startswith("@"):  # RFC 5321 §4.1.2 A-d-l source route: accepted and ignored (§C)
        _, colon, path = path.partition(":")
        if not colon:
            raise CommandError(syntax)
    return path, after.strip(" ")


def _closing_bracket(text: str) -> int:
    """Index of the '>' that closes the path, skipping a quoted local part."""
    in_quotes = escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\" and in_quotes:
            escaped = True
        elif ch == '"':
            in_quotes = not in_quotes
        elif ch == ">" and not in_quotes:
            return i
    return -1


def _mailbox(path: str, smtputf8: bool, bad: Reply) -> str:
    local, at, domain = path.rpartition("@")
    if not at or not local or not domain:
        raise CommandError(bad)
    if not (_DOT_STRING.fullmatch(local) or _QUOTED.fullmatch(local)):
        raise CommandError(bad)
    if not (_DOMAIN.fullmatch(domain) or _ADDRESS_LITERAL.fullmatch(domain)):
        raise CommandError(bad)
    if len(local.encode()) > MAX_LOCAL_PART or len(domain.encode()) > MAX_DOMAIN:
        raise CommandError(replies.PATH_TOO_LONG)
    if not path.isascii() and not smtputf8:
        raise CommandError(replies.NON_ASCII_ADDRESS)
    return path


def _parameters(text: str) -> dict[str, str | None]:
    """`KEYWORD[=value]` items separated by spaces; keywords upper-cased; a repeated keyword is an error."""
    values: dict[str, str | None] = {}
    for item in text.split():
        keyword, eq, value = item.partition("=")
        if not _KEYWORD.fullmatch(keyword) or (eq and not _VALUE.fullmatch(value)):
            raise CommandError(replies.PARAMETER_INVALID)
        key = keyword.upper()
        if key in values:
            raise CommandError(replies.PARAMETER_REPEATED)
        values[key] = value if eq else None
    return values


def _xtext(value: str) -> str:
    """RFC 3461 §4: decode "+XX" hex pairs (octets of UTF-8, RFC 6533 §3)."""
    if not _XTEXT.fullmatch(value):
        raise CommandError(replies.PARAMETER_INVALID)
    octets = _HEXCHAR.sub(lambda m: chr(int(m.group(1), 16)), value)
    try:
        return octets.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise CommandError(replies.PARAMETER_INVALID) from None
