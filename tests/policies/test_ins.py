"""INS: format and control key (DOMAIN.md §7), checked against an independent computation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.ins import check_ins


def independent_key(first13: str) -> int:
    """The key computed digit by digit (Horner mod 97), with Corsica read as 19 (2A) and 18 (2B)."""
    text = first13[:5] + {"2A": "19", "2B": "18"}.get(first13[5:7], first13[5:7]) + first13[7:]
    remainder = 0
    for ch in text:
        remainder = (remainder * 10 + ord(ch) - 48) % 97
    return 97 - remainder


@pytest.mark.parametrize("ins", ["279035121518989", "295109912611193", "253072B07300470", "253072b07300470"])
def test_published_valid_examples_pass(ins: str) -> None:
    assert check_ins(ins).valid


@pytest.mark.parametrize(
    ("ins", "reason"),
    [
        ("279035121518988", "control key"),
        ("279035121518990", "control key"),
        ("27903512151898", "15 characters"),
        ("2790351215189890", "15 characters"),
        ("", "15 characters"),
        ("2790351215189A9", "digits"),
        ("27903ZZ21518989", "digits"),
        ("2790352C1518989", "digits"),
        ("979035121518989", "sex digit"),
        ("A79035121518989", "sex digit"),
        ("27903512151 989", "digits"),
    ],
)
def test_invalid_values_are_refused_with_a_reason_that_does_not_repeat_them(ins: str, reason: str) -> None:
    check = check_ins(ins)
    assert not check.valid
    assert reason in check.reason
    if ins:
        assert ins not in check.reason


def test_corsica_2a_and_2b_use_19_and_18() -> None:
    for dept in ("2A", "2B"):
        first13 = f"19901{dept}123456"
        key = independent_key(first13)
        assert check_ins(f"{first13}{key:02d}").valid
        assert not check_ins(f"{first13}{(key % 97) + 1:02d}").valid


digits13 = st.tuples(
    st.sampled_from("12"),
    st.text("0123456789", min_size=4, max_size=4),
    st.sampled_from([f"{d:02d}" for d in range(1, 96)] + ["2A", "2B"]),
    st.text("0123456789", min_size=6, max_size=6),
).map("".join)


@given(digits13)
def test_property_the_right_key_is_accepted(first13: str) -> None:
    assert check_ins(f"{first13}{independent_key(first13):02d}").valid


@given(digits13, st.integers(0, 99))
def test_property_any_other_key_is_refused(first13: str, key: int) -> None:
    expected = independent_key(first13)
    assert check_ins(f"{first13}{key:02d}").valid == (key == expected)
