"""Modified UTF-7 (RFC 3501 §5.1.3): known vectors, strict refusal of non-canonical forms, round trips."""

from __future__ import annotations

import pytest
import twisted.mail.imap4  # noqa: F401  (registers the 'imap4-utf-7' codec we compare with)
from hypothesis import given
from hypothesis import strategies as st

from mailserver.imap import mutf7

VECTORS = [
    ("Entwürfe", "Entw&APw-rfe"),
    ("☺!", "&Jjo-!"),
    ("台北", "&U,BTFw-"),
    ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
    ("&", "&-"),
    ("Tom & Jerry", "Tom &- Jerry"),
    ("Éléments envoyés", "&AMk-l&AOk-ments envoy&AOk-s"),
    ("😀", "&2D3eAA-"),
    ("", ""),
    ("INBOX", "INBOX"),
]

INVALID = [
    b"&AGE-",  # printable ASCII "a" shifted
    b"&Jjo",  # unterminated
    b"&Jjo-&Jjo-",  # adjacent shifted runs must be one
    b"&2D0-",  # unpaired surrogate
    b"&Jjp-",  # non-zero padding bits
    b"&U,BTF-",  # truncated
    b"&&-",
    b"&!-",
    b"caf\xc3\xa9",  # 8-bit
    b"tab\there",  # control character
    b"\x7f",
]


@pytest.mark.parametrize(("text", "wire"), VECTORS)
def test_known_vectors_encode_and_decode(text: str, wire: str) -> None:
    assert mutf7.encode(text) == wire
    assert mutf7.decode(wire) == text
    assert mutf7.decode(wire.encode("ascii")) == text


@pytest.mark.parametrize("wire", INVALID)
def test_non_canonical_or_invalid_input_is_refused(wire: bytes) -> None:
    with pytest.raises(mutf7.InvalidModifiedUtf7):
        mutf7.decode(wire)


def test_lone_surrogate_cannot_be_encoded() -> None:
    with pytest.raises(mutf7.InvalidModifiedUtf7):
        mutf7.encode("\ud83d")


@given(st.text())
def test_any_text_round_trips_through_printable_ascii(text: str) -> None:
    wire = mutf7.encode(text)
    assert all(" " <= char <= "~" for char in wire)
    assert mutf7.decode(wire) == text


@given(st.text().map(lambda text: text.translate({0x09: None, 0x0A: None, 0x0D: None})))
def test_encoding_agrees_with_twisted_apart_from_tab_cr_lf(text: str) -> None:
    assert mutf7.encode(text).encode("ascii") == text.encode("imap4-utf-7")


@pytest.mark.parametrize("text", ["a\tb", "a\nb", "a\rb"])
def test_tab_cr_lf_survive_where_twisted_drops_them(text: str) -> None:
    assert text.encode("imap4-utf-7").decode("imap4-utf-7") != text  # Twisted 26.10 encodes them as "&-"
    assert mutf7.decode(mutf7.encode(text)) == text


@given(st.binary(max_size=40))
def test_decoding_is_canonical_whenever_it_succeeds(wire: bytes) -> None:
    try:
        text = mutf7.decode(wire)
    except mutf7.InvalidModifiedUtf7:
        return
    assert mutf7.encode(text).encode("ascii") == wire
