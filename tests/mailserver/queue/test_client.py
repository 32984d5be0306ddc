"""The sending client against a real peer MTA on 127.0.0.1: mutual TLS, the whitelist DN of the recipient domain,
revocation, no plaintext fallback, DSN parameters, and per-recipient reading of the replies."""

from __future__ import annotations

import socket
from pathlib import Path

from mailserver.crypto.names import subject_dn_string
from mailserver.crypto.pem_files import read_certificates
from mailserver.crypto.tls import RevocationChecker, client_context
from mailserver.queue.client import OperatorClient, Transaction, TxRecipient
from mailserver.queue.peer import PeerCheck, StaticOperatorDns
from mailserver.queue.routing import NextHop
from tests.mailserver.queue.conftest import Clock, PeerFactory
from tests.pki_fixtures import PKIFixture

RAW = b"From: dr.a@a.test\r\nTo: bob@b.test\r\nSubject: test\r\nMessage-ID: <t1@a.test>\r\n\r\nBonjour\r\n"


def _dn(path: Path) -> str:
    return subject_dn_string(read_certificates(path)[0])


def make_client(
    pki: PKIFixture, listed: tuple[str, ...] | None = None, *, crls: bool = False, clock: Clock | None = None
) -> OperatorClient:
    ctx = client_context(
        anchors=[pki.root_ca], cert_path=pki.server.cert_path, key_path=pki.server.key_path, check_hostname=False
    )
    revocation = RevocationChecker.from_files([pki.root_ca, pki.org_ca], [pki.org_crl, pki.root_crl]) if crls else None
    trust = StaticOperatorDns({"b.test": listed if listed is not None else (_dn(pki.server.cert_path),)})
    peer = PeerCheck(trust, read_certificates(pki.root_ca), clock or Clock(), revocation)
    return OperatorClient(ctx, peer, "mail.a.test", timeout=10)


def _tx(*addresses: str, notify: str | None = None, orcpt: str | None = None) -> Transaction:
    return Transaction("dr.a@a.test", tuple(TxRecipient(a, notify, orcpt) for a in addresses), RAW, "HDRS", "env-1")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_message_goes_over_mutual_tls_to_a_peer_listed_for_the_recipient_domain(
    dev_pki: PKIFixture, start_peer: PeerFactory
) -> None:
    peer = await start_peer()
    result = await make_client(dev_pki).send("b.test", [NextHop("127.0.0.1", peer.port)], _tx("bob@b.test"))
    assert [r.kind for r in result.results] == ["delivered"]
    assert result.results[0].reply.startswith("250")
    (got,) = peer.handler.received
    assert got.content == RAW and got.recipients == ["bob@b.test"]
    assert got.client_cert_subject is not None  # the peer saw our certificate


async def test_dsn_parameters_go_to_a_peer_that_offers_dsn(dev_pki: PKIFixture, start_peer: PeerFactory) -> None:
    peer = await start_peer(dsn=True)
    tx = _tx("bob@b.test", notify="SUCCESS,DELAY", orcpt="rfc822;Bob+1@b.test")
    result = await make_client(dev_pki).send("b.test", [NextHop("127.0.0.1", peer.port)], tx)
    assert result.dsn_offered
    # aiosmtpd upper-cases parameters; the xtext "+2B" shows ORCPT went out encoded (RFC 3461 §4).
    assert {"RET": "HDRS", "ENVID": "ENV-1"} in peer.handler.params_seen
    assert {"NOTIFY": "SUCCESS,DELAY", "ORCPT": "RFC822;BOB+2B1@B.TEST"} in peer.handler.params_seen


async def test_no_dsn_parameter_is_sent_to_a_peer_without_dsn(dev_pki: PKIFixture, start_peer: PeerFactory) -> None:
    peer = await start_peer(dsn=False)
    result = await make_client(dev_pki).send(
        "b.test", [NextHop("127.0.0.1", peer.port)], _tx("bob@b.test", notify="SUCCESS")
    )
    assert [r.kind for r in result.results] == ["delivered"] and not result.dsn_offered


async def test_peer_without_starttls_receives_nothing_in_clear(dev_pki: PKIFixture, start_peer: PeerFactory) -> None:
    peer = await start_peer(starttls=False)
    result = await make_client(dev_pki).send("b.test", [NextHop("127.0.0.1", peer.port)], _tx("bob@b.test"))
    assert [r.kind for r in result.results] == ["temporary"]
    assert "STARTTLS" in result.results[0].reply
    assert peer.handler.received == []


async def test_peer_whose_dn_is_not_listed_for_the_domain_receives_nothing(
    dev_pki: PKIFixture, start_peer: PeerFactory
) -> None:
    peer = await start_peer()
    client = make_client(dev_pki, listed=("CN=mx.autre.test,OU=1,O=Autre,C=FR",))
    result = await client.send("b.test", [NextHop("127.0.0.1", peer.port)], _tx("bob@b.test"))
    assert [r.kind for r in result.results] == ["temporary"]
    assert "not listed" in result.results[0].reply
    assert peer.handler.received == []


async def test_domain_outside_the_trust_space_receives_nothing(dev_pki: PKIFixture, start_peer: PeerFactory) -> None:
    peer = await start_peer()
    result = await make_client(dev_pki, listed=()).send("b.test", [NextHop("127.0.0.1", peer.port)], _tx("bob@b.test"))
    assert "not in the trust space" in result.results[0].reply
    assert peer.handler.received == []


async def test_peer_certificate_from_an_untrusted_ca_is_refused(
    dev_pki: PKIFixture, foreign_pki: PKIFixture, start_peer: PeerFactory
) -> None:
    peer = await start_peer(foreign_pki.server)
    client = make_client(dev_pki, listed=(_dn(foreign_pki.server.cert_path),))
    result = await client.send("b.test", [NextHop("127.0.0.1", peer.port)], _tx("bob@b.test"))
    assert [r.kind for r in result.results] == ["temporary"]
    assert "TLS" in result.results[0].reply
    assert peer.handler.received == []


async def test_revoked_peer_certificate_is_refused_when_crls_are_configured(
    dev_pki: PKIFixture, start_peer: PeerFactory
) -> None:
    peer = await start_peer(dev_pki.revoked)
    client = make_client(dev_pki, listed=(_dn(dev_pki.revoked.cert_path),), crls=True)
    result = await client.send("b.test", [NextHop("127.0.0.1", peer.port)], _tx("bob@b.test"))
    assert "revoked" in result.results[0].reply
    assert peer.handler.received == []


async def test_each_recipient_gets_the_outcome_of_its_own_reply(dev_pki: PKIFixture, start_peer: PeerFactory) -> None:
    peer = await start_peer()
    peer.handler.rcpt_replies = {"gone@b.test": "550 5.1.1 no such user", "busy@b.test": "450 4.2.1 try later"}
    result = await make_client(dev_pki).send(
        "b.test", [NextHop("127.0.0.1", peer.port)], _tx("gone@b.test", "busy@b.test", "bob@b.test")
    )
    assert [(r.address, r.kind) for r in result.results] == [
        ("gone@b.test", "permanent"),
        ("busy@b.test", "temporary"),
        ("bob@b.test", "delivered"),
    ]
    assert result.results[0].reply == "550 5.1.1 no such user"
    assert peer.handler.received[0].recipients == ["bob@b.test"]


async def test_the_next_hop_is_tried_when_the_first_cannot_be_reached(
    dev_pki: PKIFixture, start_peer: PeerFactory
) -> None:
    peer = await start_peer()
    hops = [NextHop("127.0.0.1", _closed_port()), NextHop("127.0.0.1", peer.port)]
    result = await make_client(dev_pki).send("b.test", hops, _tx("bob@b.test"))
    assert [r.kind for r in result.results] == ["delivered"]


async def test_unreachable_hops_are_a_temporary_failure(dev_pki: PKIFixture) -> None:
    result = await make_client(dev_pki).send("b.test", [NextHop("127.0.0.1", _closed_port())], _tx("bob@b.test"))
    assert [r.kind for r in result.results] == ["temporary"]
