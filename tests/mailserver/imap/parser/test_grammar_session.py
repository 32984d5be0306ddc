"""Session commands: connection, authentication, ID, ENABLE, and the continuation lines of IDLE and AUTHENTICATE."""

from __future__ import annotations

import pytest

from mailserver.imap.parser import (
    SASL_CANCEL,
    Authenticate,
    Capability,
    Check,
    Close,
    Command,
    Enable,
    Id,
    Idle,
    Login,
    Logout,
    Namespace,
    Noop,
    ParseError,
    StartTls,
    Unselect,
    decode_sasl_response,
    is_idle_done,
)
from tests.mailserver.imap.parser.client_input import parse, refusal

VALID: list[tuple[bytes, Command]] = [
    (b"a1 CAPABILITY", Capability()),
    (b"a1 capability", Capability()),
    (b"a1 NOOP", Noop()),
    (b"a1 NOOP  ", Noop()),  # trailing spaces forgiven
    (b"a1 LOGOUT", Logout()),
    (b"a1 STARTTLS", StartTls()),
    (b"a1 IDLE", Idle()),
    (b"a1 NAMESPACE", Namespace()),
    (b"a1 CHECK", Check()),
    (b"a1 CLOSE", Close()),
    (b"a1 UNSELECT", Unselect()),
    (b"a1 AUTHENTICATE PLAIN", Authenticate("PLAIN")),
    (b"a1 authenticate plain AGFsaWNlAHNlY3JldA==", Authenticate("PLAIN", b"\0alice\0secret")),
    (b"a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA", Authenticate("PLAIN", b"\0alice\0secret")),  # padding omitted
    (b"a1 AUTHENTICATE XOAUTH2 =", Authenticate("XOAUTH2", b"")),  # RFC 4959: "=" is an empty response
    (b"a1 AUTHENTICATE EXTERNAL", Authenticate("EXTERNAL")),
    (b"a1 LOGIN alice secret", Login("alice", "secret")),
    (b'a1 LOGIN "dr.martin@ch-exemple.test" "p\\"w\\\\d"', Login("dr.martin@ch-exemple.test", 'p"w\\d')),
    (b"a1 LOGIN {5}\r\nalice {6+}\r\nsecret", Login("alice", "secret")),
    (b'a1 LOGIN "j\xc3\xa9r\xc3\xb4me" "mot de passe"', Login("jérôme", "mot de passe")),
    (b"a1 LOGIN alice s]cret", Login("alice", "s]cret")),  # "]" is an ASTRING-CHAR
    (b"a1 ID NIL", Id(None)),
    (
        b'a1 ID ("name" "Thunderbird" "version" "115.0" "os" NIL)',
        Id((("name", "Thunderbird"), ("version", "115.0"), ("os", None))),
    ),
    (b"a1 ID ()", Id(())),
    (b"a1 ID (name mbsync)", Id((("name", "mbsync"),))),  # atoms are taken too
    (b"a1 ENABLE CONDSTORE QRESYNC", Enable(("CONDSTORE", "QRESYNC"))),
    (b"a1 enable utf8=accept", Enable(("UTF8=ACCEPT",))),
]

INVALID: list[tuple[bytes, str]] = [
    (b"a1 LOGIN alice", "Missing"),
    (b"a1 LOGIN", "Missing"),
    (b'a1 LOGIN "alice secret', "Unterminated quoted string"),
    (b"a1 LOGIN \xff\xfe secret", "User name is not valid UTF-8"),
    (b"a1 LOGIN alice secret extra", "Unexpected extra arguments"),
    (b"a1 AUTHENTICATE", "Missing"),
    (b"a1 AUTHENTICATE PLAIN !!!", "Invalid base64"),
    (b"a1 AUTHENTICATE PLAIN A", "Invalid base64"),
    (b"a1 ID", "Missing"),
    (b'a1 ID ("name")', "Missing"),
    (b'a1 ID ("name" "x"', "Expected ')'"),
    (b"a1 ENABLE", "Missing"),
    (b"a1 NOOP now", "Unexpected extra arguments"),
    (b"a1 CAPABILITY (x)", "Unexpected extra arguments"),
]


@pytest.mark.parametrize(("line", "expected"), VALID, ids=[repr(line) for line, _ in VALID])
def test_session_command_parses_to_its_typed_command(line: bytes, expected: Command) -> None:
    parsed = parse(line)
    assert parsed.tag == "a1"
    assert parsed.command == expected


@pytest.mark.parametrize(("line", "message"), INVALID, ids=[repr(line) for line, _ in INVALID])
def test_malformed_session_command_is_bad_with_its_tag(line: bytes, message: str) -> None:
    error = refusal(line)
    assert (error.tag, error.status) == ("a1", "BAD")
    assert message in error.client_text


@pytest.mark.parametrize(
    ("line", "expected"),
    [(b"AGFsaWNlAHNlY3JldA==", b"\0alice\0secret"), (b"", b""), (b"=", b""), (b"*", SASL_CANCEL)],
)
def test_sasl_response_line_decodes_or_cancels(line: bytes, expected: bytes | None) -> None:
    assert decode_sasl_response(line) == expected


def test_sasl_response_with_invalid_base64_is_bad_without_a_tag() -> None:
    with pytest.raises(ParseError) as caught:
        decode_sasl_response(b"not base64!")
    assert caught.value.tag is None
    assert caught.value.status == "BAD"


@pytest.mark.parametrize(("line", "done"), [(b"DONE", True), (b"done", True), (b"DONE ", True), (b"a2 NOOP", False)])
def test_idle_ends_on_done_in_any_case(line: bytes, done: bool) -> None:
    assert is_idle_done(line) is done
