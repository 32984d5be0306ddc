"""Address lists (RFC 5322 §3.4): display names, groups, obsolete routes, and tolerance of broken input."""

from __future__ import annotations

import pytest

from mailserver.message import Address, Group, normalise_address, parse_address_entries, parse_address_list


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a@b.fr", [Address(None, "a", "b.fr")]),
        ('"Martin, Claire" <c.martin@hop.fr>', [Address("Martin, Claire", "c.martin", "hop.fr")]),
        ("John Q. Public <jqp@x.fr>", [Address("John Q. Public", "jqp", "x.fr")]),
        ("=?utf-8?q?Z=C3=A9lie?= <z@x.fr>", [Address("=?utf-8?q?Z=C3=A9lie?=", "z", "x.fr")]),
        ("a@b.fr (Comment), c@d.fr", [Address(None, "a", "b.fr"), Address(None, "c", "d.fr")]),
        ("<@relay.fr,@r2.fr:a@b.fr>", [Address(None, "a", "b.fr", route="@relay.fr,@r2.fr")]),
        ("John Doe jdoe@x.fr", [Address("John Doe", "jdoe", "x.fr")]),
        ("Hélène <hélène@hôpital.fr>", [Address("Hélène", "hélène", "hôpital.fr")]),
        ("root", [Address(None, "root", None)]),
        ('"a b"@c.fr', [Address(None, "a b", "c.fr")]),
        ("", []),
        (",,,", []),
    ],
)
def test_parse_address_list(value: str, expected: list[Address]) -> None:
    assert parse_address_list(value) == expected


def test_groups_keep_their_members_and_empty_groups_survive() -> None:
    assert parse_address_entries("Equipe: a@b.fr, C <c@d.fr>;, undisclosed-recipients:;, z@y.fr") == [
        Group("Equipe", (Address(None, "a", "b.fr", group="Equipe"), Address("C", "c", "d.fr", group="Equipe"))),
        Group("undisclosed-recipients", ()),
        Address(None, "z", "y.fr"),
    ]


def test_display_name_decodes_encoded_words_and_addr_spec_requotes() -> None:
    address = parse_address_list('=?utf-8?q?Z=C3=A9lie?= <"z z"@x.fr>')[0]
    assert address.display_name == "Zélie"
    assert address.addr_spec == '"z z"@x.fr'


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Dr.Martin@Hopital-Nord.MSSante.fr", "dr.martin@hopital-nord.mssante.fr"),
        ("<a@B.fr.>", "a@b.fr"),
        ("hélène@HÔPITAL.fr", "hélène@xn--hpital-ixa.fr"),
        ("postmaster", "postmaster"),
    ],
)
def test_normalised_addresses(raw: str, normalised: str) -> None:
    assert normalise_address(raw) == normalised


@pytest.mark.parametrize("value", ['"unterminated <a@b', "<<<>>>", "a@", "@", ":;:;", "(((", "x <y", "\\"])
def test_broken_address_lists_never_raise(value: str) -> None:
    parse_address_entries(value)
