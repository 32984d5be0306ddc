"""Next-hop selection: pinned routes, MX preference order, implicit MX, null MX and unknown domains."""

from __future__ import annotations

import random

import pytest

from mailserver.queue.routing import NextHop, NoRoute, Router, StaticResolver, parse_hop

RESOLVER = StaticResolver(
    {
        "b.test": [(20, "mx2.b.test."), (10, "mx1.b.test.")],
        "bare.test": [],
        "null.test": [(0, ".")],
    }
)


async def test_pinned_route_wins_over_dns() -> None:
    router = Router({"B.test": "127.0.0.1:2526"}, RESOLVER)
    assert await router.hops("b.test") == [NextHop("127.0.0.1", 2526)]


async def test_mx_records_are_tried_by_preference_on_port_25() -> None:
    router = Router({}, RESOLVER, random.Random(1))
    assert await router.hops("b.test") == [NextHop("mx1.b.test", 25), NextHop("mx2.b.test", 25)]


async def test_domain_without_mx_is_its_own_mail_host() -> None:
    assert await Router({}, RESOLVER).hops("bare.test") == [NextHop("bare.test", 25)]  # RFC 5321 §5.1


async def test_null_mx_is_a_permanent_failure() -> None:
    with pytest.raises(NoRoute) as caught:
        await Router({}, RESOLVER).hops("null.test")
    assert caught.value.permanent  # RFC 7505


async def test_unknown_domain_is_a_permanent_failure() -> None:
    with pytest.raises(NoRoute) as caught:
        await Router({}, RESOLVER).hops("nowhere.test")
    assert caught.value.permanent


@pytest.mark.parametrize(
    ("text", "hop"),
    [
        ("mx.b.test", NextHop("mx.b.test", 25)),
        ("10.0.0.1:2525", NextHop("10.0.0.1", 2525)),
        ("[::1]:26", NextHop("::1", 26)),
    ],
)
def test_route_text_parses_host_and_port(text: str, hop: NextHop) -> None:
    assert parse_hop(text) == hop
