"""The DATA scanner, table-driven: the end of data is CRLF.CRLF only, whatever the chunking; bare CR or LF,
long lines, oversize and header floods get their verdict; dot-stuffing is undone; what follows is handed back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailserver.smtp.datascan import DataResult, DataScanner


def scan(data: bytes, *, chunk: int = 0, max_size: int = 10_000, max_fields: int = 50) -> tuple[DataResult, bytes]:
    scanner = DataScanner(max_size, max_fields)
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)] if chunk else [data]
    fed = 0
    for piece in pieces:
        fed += len(piece)
        leftover = scanner.feed(piece)
        if leftover is not None:
            return scanner.result(), leftover + data[fed:]
    raise AssertionError("no end of data")


@pytest.mark.parametrize("chunk", [0, 1, 2, 3, 7])
@pytest.mark.parametrize(
    ("data", "content", "rest"),
    [
        (b".\r\nQUIT\r\n", b"", b"QUIT\r\n"),
        (b"a\r\n.\r\n", b"a\r\n", b""),
        (b"..\r\n.a\r\n..\r\n.\r\nRSET\r\n", b".\r\na\r\n.\r\n", b"RSET\r\n"),
        (b"S: x\r\n\r\nbody\r\n.\r\nMAIL FROM:<a@b>\r\n", b"S: x\r\n\r\nbody\r\n", b"MAIL FROM:<a@b>\r\n"),
    ],
)
def test_content_and_leftover(data: bytes, content: bytes, rest: bytes, chunk: int) -> None:
    result, leftover = scan(data, chunk=chunk)
    assert (result.verdict, result.content, leftover) == ("ok", content, rest)


@pytest.mark.parametrize(
    "data",
    [
        b"a\n.\nMAIL\r\n.\r\n",
        b"a\n.\r\nMAIL\r\n.\r\n",
        b"a\r.\rMAIL\r\n.\r\n",
        b"a\r\n.\rMAIL\r\n.\r\n",
        b"a\r.\r\nMAIL\r\n.\r\n",
        b"a\r\n.\nMAIL\r\n.\r\n",
        b"\nx\r\n.\r\n",
        b"x\r\r\n.\r\n",
        b"x\r\n\n.\r\ny\r\n.\r\n",
    ],
)
@pytest.mark.parametrize("chunk", [0, 1, 4])
def test_bare_cr_or_lf_anywhere_is_refused_as_a_whole(data: bytes, chunk: int) -> None:
    result, leftover = scan(data, chunk=chunk)
    assert result.verdict == "bare-line-ending" and result.content == b"" and leftover == b""  # nothing left over


@pytest.mark.parametrize(
    ("text_octets", "verdict"),
    [(998, "ok"), (999, "ok"), (1000, "line-too-long")],  # 998 + CRLF = 1000; one stuffed dot allowed
)
def test_line_length(text_octets: int, verdict: str) -> None:
    assert scan(b"x" * text_octets + b"\r\n.\r\n")[0].verdict == verdict


def test_oversize_is_read_to_the_end_but_never_held() -> None:
    scanner = DataScanner(1000, 50)
    for _ in range(100):
        assert scanner.feed(b"y" * 998 + b"\r\n") is None
    assert len(scanner._buffer) < 2000
    assert scanner.feed(b".\r\nQUIT\r\n") == b"QUIT\r\n"
    assert scanner.result().verdict == "too-big"


def test_header_fields_are_counted_without_folded_lines() -> None:
    folded = b"".join(b"X-%d: a\r\n b\r\n" % i for i in range(50)) + b"\r\nbody\r\n.\r\n"
    assert scan(folded)[0].verdict == "ok"
    flood = b"".join(b"X-%d: a\r\n" % i for i in range(51)) + b"\r\nbody\r\n.\r\n"
    assert scan(flood)[0].verdict == "too-many-fields"


def _reference(data: bytes) -> tuple[str, bytes]:
    """The verdict and content of `data` (before its end marker) by the RFC's words, a line at a time."""
    body = b"\r\n" + data
    if any(body[i] == 13 and body[i + 1 : i + 2] != b"\n" for i in range(len(body))) or any(
        body[i] == 10 and body[i - 1] != 13 for i in range(len(body))
    ):
        return "bare-line-ending", b""
    lines = body[2:].split(b"\r\n")[:-1]
    if any(len(line) > 999 for line in lines):
        return "line-too-long", b""
    return "ok", b"".join((line[1:] if line.startswith(b".") else line) + b"\r\n" for line in lines)


@given(
    lines=st.lists(
        st.lists(st.sampled_from([b"a", b".", b"\r", b"\n", b"\r\n", b" ", b"x" * 400]), max_size=6).map(b"".join),
        max_size=8,
    )
)
def test_verdict_and_content_match_a_line_by_line_reading(lines: list[bytes]) -> None:
    data = b"".join(line + b"\r\n" for line in lines)
    if b"\r\n.\r\n" in b"\r\n" + data:
        return  # an earlier end of data: covered by test_content_and_leftover
    result, _ = scan(data + b".\r\n", max_size=0, max_fields=0)
    assert (result.verdict, result.content) == _reference(data)
