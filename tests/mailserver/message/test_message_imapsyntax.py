"""IMAP string syntax (RFC 3501 §4.3, §9): quoted when possible, literal when needed."""

from __future__ import annotations

import pytest

from mailserver.message import astring, literal, nstring, quote_or_literal


@pytest.mark.parametrize(
    ("data", "wire"),
    [
        (b"hello", b'"hello"'),
        (b"", b'""'),
        (b'a "b" \\ c', b'"a \\"b\\" \\\\ c"'),
        (b"line\r\nbreak", b"{11}\r\nline\r\nbreak"),
        (b"lone\rcr", b"{7}\r\nlone\rcr"),
        ("été".encode(), b"{5}\r\n\xc3\xa9t\xc3\xa9"),
        (b"nul\x00byte", b'"nulbyte"'),
    ],
)
def test_quote_or_literal(data: bytes, wire: bytes) -> None:
    assert quote_or_literal(data) == wire


def test_utf8_accept_allows_utf8_in_quoted_strings_but_not_invalid_bytes() -> None:
    assert quote_or_literal("été".encode(), utf8=True) == '"été"'.encode()
    assert quote_or_literal(b"\xe9t\xe9", utf8=True) == b"{3}\r\n\xe9t\xe9"


def test_nstring_astring_and_literal() -> None:
    assert nstring(None) == b"NIL"
    assert nstring(b"x") == b'"x"'
    assert astring(b"INBOX") == b"INBOX"
    assert astring(b"Sent]") == b"Sent]"
    assert astring(b"Mes documents") == b'"Mes documents"'
    assert astring(b"") == b'""'
    assert literal(b"abc") == b"{3}\r\nabc"
