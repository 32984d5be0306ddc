"""xtext (RFC 3461 §4) round trips, and the ORCPT parameter form."""

from __future__ import annotations

import pytest

from mailserver.queue import xtext


@pytest.mark.parametrize(
    ("plain", "wire"),
    [
        ("abc-123", "abc-123"),
        ("a+b=c", "a+2Bb+3Dc"),
        ("with space", "with+20space"),
        ("é", "+C3+A9"),
    ],
)
def test_xtext_encodes_plus_equals_and_octets_outside_printable_ascii(plain: str, wire: str) -> None:
    assert xtext.encode(plain) == wire
    assert xtext.decode(wire) == plain


def test_orcpt_parameter_keeps_the_address_type_and_encodes_the_address() -> None:
    assert xtext.orcpt_param("rfc822;bob+x@b.test") == "ORCPT=rfc822;bob+2Bx@b.test"
    assert xtext.orcpt_param("bob@b.test") == "ORCPT=rfc822;bob@b.test"
