"""IMAP dates: the `date` of SEARCH and the `date-time` of APPEND (RFC 3501 §9).

Owns turning `1-Feb-1994` into a `datetime.date` and `" 7-Jul-1996 02:44:25 -0700"` into an aware `datetime`.
Months are read case-insensitively and a one-digit day with or without its leading space is taken. It must never
read the clock or assume a local time zone: a date-time without its zone is refused.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["InvalidDate", "parse_date", "parse_date_time"]

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
    )
}


class InvalidDate(ValueError):
    """The text is not an IMAP date or date-time, or names a day that does not exist."""


_DATE = re.compile(rb"([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})")
_DATE_TIME = re.compile(
    rb" ?([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"
)


def _day(day: bytes, month: bytes, year: bytes) -> dt.date:
    number = _MONTHS.get(month.decode("ascii").upper())
    if number is None:
        raise InvalidDate("unknown month")
    try:
        return dt.date(int(year), number, int(day))
    except ValueError as exc:  # 31-Feb and the like
        raise InvalidDate("no such day") from exc


def parse_date(text: bytes) -> dt.date:
    """RFC 3501 §9 `date-text`; raises InvalidDate."""
    found = _DATE.fullmatch(text)
    if found is None:
        raise InvalidDate("not a date")
    return _day(*found.groups())


def parse_date_time(text: bytes) -> dt.datetime:
    """RFC 3501 §9 `date-time` (without its quotes); raises InvalidDate."""
    found = _DATE_TIME.fullmatch(text)
    if found is None:
        raise InvalidDate("not a date-time")
    day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = found.groups()
    if int(zone_minutes) > 59 or int(zone_hours) > 23:
        raise InvalidDate("bad zone")
    offset = dt.timedelta(hours=int(zone_hours), minutes=int(zone_minutes))
    zone = dt.timezone(-offset if sign == b"-" else offset)
    date = _day(day, month, year)
    # A leap second (":60") is taken as the second before it: the internal date is not that precise.
    seconds = min(int(second), 59)
    try:
        return dt.datetime(date.year, date.month, date.day, int(hour), int(minute), seconds, tzinfo=zone)
    except ValueError as exc:  # 24:00:00 and the like
        raise InvalidDate("no such time") from exc
