"""Dates of SEARCH and date-times of APPEND (RFC 3501 §9)."""

from __future__ import annotations

import datetime as dt

import pytest

from mailserver.imap.parser.dates import InvalidDate, parse_date, parse_date_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"1-Feb-1994", dt.date(1994, 2, 1)),
        (b"01-feb-1994", dt.date(1994, 2, 1)),
        (b"29-FEB-2024", dt.date(2024, 2, 29)),
    ],
)
def test_search_date(text: bytes, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [b"29-Feb-2023", b"1-Foo-1994", b"1994-02-01", b"1-Feb-94", b"", b"123-Feb-1994"])
def test_invalid_search_date(text: bytes) -> None:
    with pytest.raises(InvalidDate):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b" 7-Jul-1996 02:44:25 -0700", dt.datetime(1996, 7, 7, 9, 44, 25, tzinfo=dt.UTC)),
        (b"7-Jul-1996 02:44:25 -0700", dt.datetime(1996, 7, 7, 9, 44, 25, tzinfo=dt.UTC)),
        (b"17-Jul-1996 02:44:25 +0200", dt.datetime(1996, 7, 17, 0, 44, 25, tzinfo=dt.UTC)),
        (b"31-Dec-2023 23:59:60 +0000", dt.datetime(2023, 12, 31, 23, 59, 59, tzinfo=dt.UTC)),  # leap second
    ],
)
def test_append_date_time_keeps_its_zone(text: bytes, expected: dt.datetime) -> None:
    parsed = parse_date_time(text)
    assert parsed == expected
    assert parsed.utcoffset() is not None


@pytest.mark.parametrize(
    "text",
    [b"7-Jul-1996 02:44:25", b"7-Jul-1996 24:00:00 +0000", b"7-Jul-1996 02:44:25 +2400", b"7-Jul-1996 02:44 +0000"],
)
def test_invalid_date_time(text: bytes) -> None:
    with pytest.raises(InvalidDate):
        parse_date_time(text)
