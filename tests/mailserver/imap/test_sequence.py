"""Sequence sets: parsing, resolution of * and $ and reversed ranges against a mailbox, compact writing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailserver.imap.sequence import (
    MAX_NUMBER,
    InvalidSequenceSet,
    NumberSet,
    SequenceRange,
    SequenceSet,
    format_numbers,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", SequenceSet((SequenceRange(1, 1),))),
        ("1:*", SequenceSet((SequenceRange(1, None),))),
        ("*", SequenceSet((SequenceRange(None, None),))),
        ("9:7", SequenceSet((SequenceRange(9, 7),))),
        ("$", SequenceSet((), saved=True)),
        (
            "1:*,5,7:9,$",
            SequenceSet((SequenceRange(1, None), SequenceRange(5, 5), SequenceRange(7, 9)), saved=True),
        ),
        (f"{MAX_NUMBER}", SequenceSet((SequenceRange(MAX_NUMBER, MAX_NUMBER),))),
    ],
)
def test_sequence_set_parses(text: str, expected: SequenceSet) -> None:
    assert SequenceSet.parse(text) == expected
    assert SequenceSet.parse(text.encode()) == expected


@pytest.mark.parametrize(
    "text", ["", "0", "1:0", f"{MAX_NUMBER + 1}", "1,", ",1", "1::2", "a", "1:2:3", "-1", "99999999999"]
)
def test_invalid_sequence_set_is_refused(text: str) -> None:
    with pytest.raises(InvalidSequenceSet):
        SequenceSet.parse(text)


@pytest.mark.parametrize(
    ("text", "largest", "expected"),
    [
        ("1:*", 5, "1:5"),
        ("*", 5, "5"),
        ("9:7", 10, "7:9"),
        ("5:*", 3, "3"),  # RFC 3501 §6.4.8: n:* includes the largest even when n is above it
        ("*:2", 4, "2:4"),
        ("2,4,3,1", 9, "1:4"),
        ("1:3,2:6,10", 8, "1:6"),
        ("7,100", 10, "7"),
        ("1:*", 0, ""),
        ("*", 0, ""),
    ],
)
def test_resolution_against_the_largest_number(text: str, largest: int, expected: str) -> None:
    assert SequenceSet.parse(text).resolve(largest).to_text() == expected


def test_dollar_resolves_to_the_saved_result() -> None:
    saved = NumberSet.from_numbers([3, 4, 9])
    assert SequenceSet.parse("$").resolve(10, saved).to_text() == "3:4,9"
    assert SequenceSet.parse("1,$").resolve(10, saved).to_text() == "1,3:4,9"
    assert SequenceSet.parse("$").resolve(10, None).to_text() == ""


def test_highest_number_is_what_a_sequence_number_check_needs() -> None:
    assert SequenceSet.parse("1:*,5,7:9").highest_number() == 9
    assert SequenceSet.parse("*").highest_number() == 0
    assert SequenceSet.parse("1:*").uses_star


def test_whole_mailbox_of_100k_messages_stays_one_interval() -> None:
    resolved = SequenceSet.parse("1:*").resolve(100_000)
    assert resolved.intervals == ((1, 100_000),)
    assert len(resolved) == 100_000
    assert 100_000 in resolved
    assert 100_001 not in resolved
    assert 0 not in resolved


def _naive(text: str, largest: int) -> set[int]:
    numbers: set[int] = set()
    for element in text.split(","):
        first, _, last = element.partition(":")
        low = largest if first == "*" else int(first)
        high = low if not last else (largest if last == "*" else int(last))
        low, high = min(low, high), max(low, high)
        numbers.update(n for n in range(low, high + 1) if 1 <= n <= largest)
    return numbers


numbers = st.integers(min_value=1, max_value=60).map(str) | st.just("*")
elements = st.tuples(numbers, st.none() | numbers).map(
    lambda pair: pair[0] if pair[1] is None else f"{pair[0]}:{pair[1]}"
)


@given(st.lists(elements, min_size=1, max_size=8).map(",".join), st.integers(min_value=0, max_value=50))
def test_resolution_matches_a_naive_expansion(text: str, largest: int) -> None:
    resolved = SequenceSet.parse(text).resolve(largest)
    assert set(resolved) == _naive(text, largest)
    assert len(resolved) == len(_naive(text, largest))
    assert all(n in resolved for n in _naive(text, largest))


@given(st.sets(st.integers(min_value=1, max_value=200)))
def test_number_set_text_round_trips(values: set[int]) -> None:
    number_set = NumberSet.from_numbers(values)
    assert list(number_set) == sorted(values)
    if values:
        assert set(SequenceSet.parse(number_set.to_text()).resolve(200)) == values


def test_compact_text_of_uids() -> None:
    assert NumberSet.from_numbers([5, 1, 2, 3, 9, 10]).to_text() == "1:3,5,9:10"


def test_format_numbers_keeps_the_order_copyuid_needs() -> None:
    assert format_numbers([5, 6, 7, 1, 2, 9]) == "5:7,1:2,9"
    assert format_numbers([]) == ""
