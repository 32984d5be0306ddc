"""LDAP filters (RFC 4515) translated to SQL over a real SQLite directory, without sockets."""

from __future__ import annotations

from pathlib import Path

import pytest
from ldaptor.protocols import pureldap
from sqlalchemy.ext.asyncio import AsyncEngine

from directory.importer import import_extraction
from directory.ldap.entries import attributes, entry_dn, select_attributes
from directory.ldap.filters import UnsupportedFilter, to_condition
from directory.ldap.server import bind_address
from directory.records import PUBLIC_VIEWER
from directory.search import find_matching, get_by_address
from directory.synthetic import org_fields, per_fields
from tests.directory.conftest import clock, write_extraction

P = pureldap


def eq(attribute: str, value: str) -> P.LDAPFilter_equalityMatch:
    return P.LDAPFilter_equalityMatch(
        attributeDesc=P.LDAPAttributeDescription(attribute), assertionValue=P.LDAPAssertionValue(value)
    )


def sub(
    attribute: str, initial: str | None = None, any_: tuple[str, ...] = (), final: str | None = None
) -> P.LDAPFilter_substrings:
    parts: list[object] = []
    if initial is not None:
        parts.append(P.LDAPFilter_substrings_initial(initial))
    parts += [P.LDAPFilter_substrings_any(a) for a in any_]
    if final is not None:
        parts.append(P.LDAPFilter_substrings_final(final))
    return P.LDAPFilter_substrings(type=attribute, substrings=parts)


@pytest.fixture
async def book(engine: AsyncEngine, tmp_path: Path) -> AsyncEngine:
    lines = [
        "|".join(
            per_fields(
                "helene@a.mssante.fr", "10000000001", "BÉRANGER", "Hélène", legal_name="CHU A", structure="1750000001"
            )
        ),
        "|".join(
            per_fields(
                "jean@a.mssante.fr",
                "10000000002",
                "SAINT-JEAN",
                "Jean",
                legal_name="CABINET B",
                profession=("21", "Pharmacien"),
            )
        ),
        "|".join(org_fields("urgences@a.mssante.fr", "1750000001", "CHU A", "Urgences 100%")),
    ]
    await import_extraction(engine, write_extraction(tmp_path / "e.txt", lines), clock=clock)
    return engine


@pytest.mark.parametrize(
    ("ldap_filter", "expected"),
    [
        (eq("mail", "HELENE@a.mssante.fr"), ["helene"]),
        (eq("sn", "béranger"), ["helene"]),
        (eq("givenName", "HELENE"), ["helene"]),
        (sub("cn", any_=("eran",)), ["helene"]),
        (sub("cn", initial="jea"), ["jean"]),
        (sub("sn", initial="saint j"), ["jean"]),
        (sub("mail", final="@a.mssante.fr"), ["helene", "jean", "urgences"]),
        (sub("cn", any_=("100%",)), ["urgences"]),  # LIKE wildcards in values are literal
        (sub("cn", any_=("1_0",)), []),
        (eq("o", "chu a"), ["helene", "urgences"]),
        (eq("title", "pharmacien"), ["jean"]),
        (P.LDAPFilter_and([eq("o", "chu a"), sub("cn", initial="hel")]), ["helene"]),
        (P.LDAPFilter_or([eq("title", "pharmacien"), eq("sn", "urgences 100")]), ["jean", "urgences"]),
        (P.LDAPFilter_not(eq("o", "chu a")), ["jean"]),
        (P.LDAPFilter_present("objectClass"), ["helene", "jean", "urgences"]),
        (eq("objectClass", "inetOrgPerson"), ["helene", "jean", "urgences"]),
        (eq("userPassword", "x"), []),
        (P.LDAPFilter_present("userPassword"), []),
    ],
)
async def test_filter_table(book: AsyncEngine, ldap_filter: object, expected: list[str]) -> None:
    found = await find_matching(book, to_condition(ldap_filter), PUBLIC_VIEWER, 10)
    assert sorted(e.address.split("@")[0] for e in found) == expected


def test_a_filter_nested_too_deep_is_refused() -> None:
    node: object = eq("mail", "x")
    for _ in range(20):
        node = P.LDAPFilter_not(node)
    with pytest.raises(UnsupportedFilter):
        to_condition(node)


async def test_entries_carry_public_attributes_only(book: AsyncEngine) -> None:
    entry = await get_by_address(book, "helene@a.mssante.fr")
    assert entry is not None
    attrs = dict(attributes(entry, []))
    assert set(attrs) == {b"objectClass", b"mail", b"cn", b"sn", b"givenName", b"o", b"title"}
    assert attrs[b"cn"] == ["Hélène BÉRANGER".encode()]
    assert select_attributes(list(attrs.items()), [b"MAIL"], False) == [(b"mail", [b"helene@a.mssante.fr"])]
    assert entry_dn("a,b@x.fr", "dc=x") == "mail=a\\,b@x.fr,dc=x"


@pytest.mark.parametrize(
    ("dn", "address"),
    [
        ("mail=A@b.fr,ou=x", "a@b.fr"),
        ("uid=a@b.fr,dc=x", "a@b.fr"),
        ("a@B.fr", "a@b.fr"),
        ("cn=admin,dc=x", None),
        ("admin", None),
    ],
)
def test_bind_names(dn: str, address: str | None) -> None:
    assert bind_address(dn) == address
