"""The queue runner end to end on a real store and a real mTLS peer, with the clock moved by hand: delivery,
backoff, the delay warning, expiry, permanent failures, DSNs as NOTIFY asks, and recovery after a crash."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from mailserver.config.schema import QueueSettings
from mailserver.delivery.outbound import OutboundEnvelope, OutboundRecipient
from mailserver.queue.outbox import Outbox
from mailserver.queue.routing import Router, StaticResolver
from mailserver.queue.runner import QueueRunner
from mailserver.queue.schedule import RetryPolicy
from mailserver.store import Store
from mailserver.store.blobs import BlobCipher
from mailserver.store.queue import Spool
from tests.mailserver.queue.conftest import Clock, Peer, PeerFactory
from tests.mailserver.queue.test_client import make_client
from tests.pki_fixtures import PKIFixture

SENDER = "dr.a@example.test"
RAW = (
    b"From: dr.a@example.test\r\nTo: bob@b.test\r\nSubject: resultats\r\nMessage-ID: <r1@example.test>\r\n\r\nCorps\r\n"
)


@dataclass
class Rig:
    store: Store
    spool: Spool
    outbox: Outbox
    runner: QueueRunner
    peer: Peer
    clock: Clock
    sender_id: int

    async def send(self, *recipients: OutboundRecipient, ret: str | None = None, mail_from: str = SENDER) -> None:
        await self.outbox.enqueue(OutboundEnvelope(mail_from, recipients, ret, "env-9", SENDER), RAW)

    async def inbox(self) -> list[bytes]:
        folder = next(f for f in await self.store.mail.folders_of(self.sender_id) if f.name == "INBOX")
        return [await self.store.mail.read_message(mid) for _, mid in await self.store.mail.folder_uids(folder.id)]


async def _rig(store: Store, blob_keys: Path, dev_pki: PKIFixture, peer: Peer, clock: Clock) -> Rig:
    box = await store.accounts.create_mailbox(SENDER, "PER", national_id="810001234567")
    spool = Spool(store.engine, BlobCipher.from_file(blob_keys), clock)
    outbox = Outbox(store, spool, "mail.example.test", clock)
    router = Router({"b.test": f"127.0.0.1:{peer.port}"}, StaticResolver({}))
    runner = QueueRunner(
        spool,
        outbox,
        router,
        make_client(dev_pki, clock=clock),
        RetryPolicy.from_settings(QueueSettings()),
        clock,
        hostname="mail.example.test",
    )
    return Rig(store, spool, outbox, runner, peer, clock, box.id)


@pytest.fixture
async def rig(store: Store, blob_keys: Path, dev_pki: PKIFixture, start_peer: PeerFactory, clock: Clock) -> Rig:
    return await _rig(store, blob_keys, dev_pki, await start_peer(), clock)


@pytest.fixture
async def dsn_rig(store: Store, blob_keys: Path, dev_pki: PKIFixture, start_peer: PeerFactory, clock: Clock) -> Rig:
    return await _rig(store, blob_keys, dev_pki, await start_peer(dsn=True), clock)


def _rcpt(address: str = "bob@b.test", *notify: str, orcpt: str | None = None) -> OutboundRecipient:
    return OutboundRecipient(address, frozenset(notify) if notify else None, orcpt)


async def test_queued_message_is_delivered_and_leaves_the_queue(rig: Rig) -> None:
    await rig.send(_rcpt("bob@b.test"), _rcpt("carol@b.test"))
    assert await rig.runner.run_once() == 2
    (got,) = rig.peer.handler.received  # one transaction for the domain
    assert got.recipients == ["bob@b.test", "carol@b.test"] and got.content == RAW
    assert await rig.spool.pending() == []
    assert await rig.inbox() == []  # no DSN was asked for success


async def test_relayed_dsn_when_success_was_asked_and_the_next_hop_has_no_dsn(rig: Rig) -> None:
    await rig.send(_rcpt("bob@b.test", "SUCCESS", orcpt="rfc822;bob@b.test"))
    await rig.runner.run_once()
    (dsn,) = await rig.inbox()
    assert b"Action: relayed" in dsn and b"Original-Recipient: rfc822; bob@b.test" in dsn
    assert b"Original-Envelope-Id: env-9" in dsn


async def test_no_relayed_dsn_when_the_next_hop_takes_over_dsn(dsn_rig: Rig) -> None:
    await dsn_rig.send(_rcpt("bob@b.test", "SUCCESS"))
    await dsn_rig.runner.run_once()
    assert dsn_rig.peer.handler.received and await dsn_rig.inbox() == []


async def test_temporary_failure_is_retried_with_backoff(rig: Rig) -> None:
    rig.peer.handler.rcpt_replies = {"bob@b.test": "450 4.2.1 mailbox busy"}
    await rig.send(_rcpt())
    await rig.runner.run_once()
    (entry,) = await rig.spool.pending()
    assert entry.attempts == 1 and entry.last_error == "450 4.2.1 mailbox busy"
    assert entry.next_attempt_at == rig.clock.now + timedelta(minutes=5)
    rig.clock.advance(minutes=4)
    assert await rig.runner.run_once() == 0
    rig.clock.advance(minutes=1)
    assert await rig.runner.run_once() == 1
    (entry,) = await rig.spool.pending()
    assert entry.next_attempt_at == rig.clock.now + timedelta(minutes=10)
    rig.peer.handler.rcpt_replies = {}
    rig.clock.advance(minutes=10)
    await rig.runner.run_once()
    assert await rig.spool.pending() == [] and len(rig.peer.handler.received) == 1
    assert await rig.inbox() == []


async def test_delay_dsn_is_sent_once_after_four_hours(rig: Rig) -> None:
    rig.peer.handler.rcpt_replies = {"bob@b.test": "451 4.4.1 no answer"}
    await rig.send(_rcpt())
    await rig.runner.run_once()
    for _ in range(6):
        rig.clock.advance(hours=1)
        await rig.spool.retry_now()
        await rig.runner.run_once()
    (dsn,) = await rig.inbox()
    assert b"Action: delayed" in dsn and b"Will-Retry-Until:" in dsn and b"Status: 4.4.1" in dsn
    assert len(await rig.spool.pending()) == 1


async def test_expired_recipient_fails_with_a_failure_dsn(rig: Rig) -> None:
    rig.peer.handler.rcpt_replies = {"bob@b.test": "451 4.4.1 no answer"}
    await rig.send(_rcpt("bob@b.test", "FAILURE"))
    await rig.runner.run_once()
    rig.clock.advance(days=5)
    await rig.spool.retry_now()
    await rig.runner.run_once()
    (dsn,) = await rig.inbox()
    assert b"Action: failed" in dsn and b"Status: 4.4.7" in dsn
    assert await rig.spool.pending() == []


async def test_permanent_refusal_fails_at_once_and_ret_full_returns_the_message(rig: Rig) -> None:
    rig.peer.handler.rcpt_replies = {"bob@b.test": "550 5.1.1 no such user"}
    await rig.send(_rcpt(), ret="FULL")
    await rig.runner.run_once()
    (dsn,) = await rig.inbox()
    assert b"Action: failed" in dsn and b"Status: 5.1.1" in dsn
    assert b"Diagnostic-Code: smtp; 550 5.1.1 no such user" in dsn
    assert b"Content-Type: message/rfc822" in dsn and b"Corps" in dsn
    assert await rig.spool.pending() == []


async def test_notify_never_sends_no_dsn(rig: Rig) -> None:
    rig.peer.handler.rcpt_replies = {"bob@b.test": "550 5.1.1 no such user"}
    await rig.send(_rcpt("bob@b.test", "NEVER"))
    await rig.runner.run_once()
    assert await rig.inbox() == [] and await rig.spool.pending() == []


async def test_a_bounce_is_never_sent_about_a_message_with_a_null_sender(rig: Rig) -> None:
    rig.peer.handler.rcpt_replies = {"bob@b.test": "550 5.1.1 no such user"}
    await rig.send(_rcpt(), mail_from="")
    await rig.runner.run_once()
    assert await rig.inbox() == [] and await rig.spool.pending() == []


async def test_dsn_for_a_remote_sender_is_queued_with_a_null_reverse_path(rig: Rig) -> None:
    rig.peer.handler.rcpt_replies = {"bob@b.test": "550 5.1.1 no such user"}
    await rig.send(_rcpt(), mail_from="someone@b.test")
    await rig.runner.run_once()
    (entry,) = await rig.spool.pending()
    assert (entry.mail_from, entry.address) == ("", "someone@b.test")
    rig.peer.handler.rcpt_replies = {}
    await rig.runner.run_once()
    (dsn,) = rig.peer.handler.received
    assert dsn.mail_from in ("", "<>") and b"multipart/report" in dsn.content  # aiosmtpd records "<>"


async def test_a_crash_after_the_claim_loses_nothing_and_sends_once(rig: Rig) -> None:
    await rig.send(_rcpt())
    await rig.spool.claim_due(10, 900)  # a worker claimed the row, then died before sending
    assert await rig.runner.run_once() == 0
    rig.clock.advance(minutes=16)
    assert await rig.runner.run_once() == 1
    assert len(rig.peer.handler.received) == 1 and await rig.spool.pending() == []


async def test_local_success_dsn_goes_to_the_senders_inbox(rig: Rig) -> None:
    envelope = OutboundEnvelope(SENDER, (_rcpt("x@example.test", "SUCCESS"), _rcpt("y@example.test")), None, "e1")
    await rig.outbox.delivered(envelope, RAW)
    (dsn,) = await rig.inbox()
    assert b"Action: delivered" in dsn and b"Final-Recipient: rfc822; x@example.test" in dsn
    assert b"y@example.test" not in dsn.split(b"message/delivery-status")[1].split(b"text/rfc822-headers")[0]


async def test_stopping_the_runner_hands_claimed_rows_back_at_once(rig: Rig) -> None:
    gate = asyncio.Event()

    async def hold(*_args: object) -> object:
        await gate.wait()  # a send that never finishes before the stop
        raise AssertionError("unreachable")

    rig.runner._client.send = hold  # type: ignore[method-assign]
    await rig.send(_rcpt())
    stop = asyncio.Event()
    task = asyncio.create_task(rig.runner.run(stop))
    for _ in range(200):
        await asyncio.sleep(0.01)
        (entry,) = await rig.spool.pending()
        if entry.leased:
            break
    assert entry.leased
    stop.set()
    await task
    (entry,) = await rig.spool.pending()
    assert not entry.leased and entry.attempts == 0
