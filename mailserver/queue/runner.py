"""The queue runner: claims due recipients, sends them, and settles each outcome (done, retry later, DSN).

Owns the delivery loop of the outbound spool. Recipients are claimed under a lease (a crash leaves them in the
spool, due again when the lease ends), grouped by message and destination domain so that one SMTP transaction
carries every recipient of a domain, and sent with at most `per_destination` transactions at once per domain.
An outcome is settled after the send: delivered (a "relayed" DSN when the next hop offered no DSN and the
sender asked NOTIFY=SUCCESS), permanently failed or expired (failure DSN), or deferred by the backoff of
`schedule` (one delay DSN after `queue.delay_warning`). DSNs are sent before the rows are removed: a crash in
between repeats a DSN, never loses one. Never holds a transaction open while talking to the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from mailserver.queue.client import Kind, OperatorClient, RecipientResult, SendResult, Transaction, TxRecipient
from mailserver.queue.dsn import DsnReport, RecipientOutcome, status_of
from mailserver.queue.outbox import Outbox
from mailserver.queue.routing import NoRoute, Router
from mailserver.queue.schedule import RetryPolicy, wants
from mailserver.store.queue import Claimed, Spool

log = logging.getLogger("caducee.queue.runner")


class QueueRunner:
    def __init__(
        self,
        spool: Spool,
        outbox: Outbox,
        router: Router,
        client: OperatorClient,
        policy: RetryPolicy,
        clock: Callable[[], datetime],
        *,
        hostname: str,
        batch: int = 64,
        lease: timedelta = timedelta(minutes=15),
        per_destination: int = 4,
        poll_seconds: float = 5.0,
    ) -> None:
        self._spool = spool
        self._outbox = outbox
        self._router = router
        self._client = client
        self._policy = policy
        self._clock = clock
        self._hostname = hostname
        self._batch = batch
        self._lease = lease
        self._per_destination = per_destination
        self._poll = poll_seconds
        self._slots: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self._per_destination))
        self._wakeup: asyncio.Event | None = None
        outbox.on_enqueue(self.wake)

    def wake(self) -> None:
        """New rows were queued: look for due work now."""
        if self._wakeup is not None:
            self._wakeup.set()

    async def run_once(self) -> int:
        """Claim what is due now, attempt it all, settle it; returns how many recipients were attempted."""
        claims = await self._spool.claim_due(self._batch, self._lease.total_seconds())
        await asyncio.gather(*(self._attempt(group) for group in _groups(claims)))
        return len(claims)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set: claim due work as capacity allows, sleep until the next due time or a wake."""
        self._wakeup = asyncio.Event()
        inflight: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                self._wakeup.clear()
                room = self._batch - len(inflight)
                if room > 0:
                    try:
                        claims = await self._spool.claim_due(room, self._lease.total_seconds())
                    except Exception:
                        log.exception("claiming due recipients failed")
                        claims = []
                    for group in _groups(claims):
                        task = asyncio.create_task(self._attempt_logged(group))
                        inflight.add(task)
                        task.add_done_callback(inflight.discard)
                    if claims and len(claims) == room:
                        await asyncio.sleep(0)
                        continue
                await self._sleep(stop, inflight)
        finally:
            for task in inflight:
                task.cancel()
            await asyncio.gather(*inflight, return_exceptions=True)

    async def _sleep(self, stop: asyncio.Event, inflight: set[asyncio.Task[None]]) -> None:
        assert self._wakeup is not None
        timeout = self._poll
        try:
            due = await self._spool.next_due()
        except Exception:
            due = None
        if due is not None:
            timeout = max(0.05, min(timeout, (due - self._clock()).total_seconds()))
        waiters = [asyncio.ensure_future(self._wakeup.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait([*waiters, *inflight], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for w in waiters:
            w.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await w

    async def _attempt_logged(self, group: list[Claimed]) -> None:
        try:
            await self._attempt(group)
        except asyncio.CancelledError:
            # Shutting down: hand the rows back now rather than when the lease ends (at worst, a resend).
            with contextlib.suppress(Exception):
                await self._spool.release(group)
            raise
        except Exception:
            # The lease runs out and the rows are attempted again: nothing is lost.
            log.exception("queue attempt failed", extra={"domain": group[0].domain, "recipients": len(group)})

    async def _attempt(self, group: list[Claimed]) -> None:
        first = group[0]
        async with self._slots[first.domain]:
            raw = await self._spool.read(first.message_id)
            tx = Transaction(
                first.mail_from,
                tuple(TxRecipient(c.address, c.notify, c.orcpt) for c in group),
                raw,
                first.ret,
                first.envid,
            )
            try:
                hops = await self._router.hops(first.domain)
            except NoRoute as exc:
                kind: Kind = "permanent" if exc.permanent else "temporary"
                code = "550 5.1.2" if exc.permanent else "451 4.4.3"
                reply = f"{code} {exc.reason}"
                result = SendResult(tuple(RecipientResult(c.address, kind, reply) for c in group))
            else:
                result = await self._client.send(first.domain, hops, tx)
            await self._settle(group, result, raw)

    async def _settle(self, group: list[Claimed], result: SendResult, raw: bytes) -> None:
        now = self._clock()
        first = group[0]
        by_address = {r.address: r for r in result.results}
        done: list[Claimed] = []
        later: list[tuple[Claimed, RecipientResult]] = []
        warned: list[Claimed] = []
        outcomes: list[RecipientOutcome] = []
        for c in group:
            r = by_address[c.address]
            common = dict(orcpt=c.orcpt, diagnostic=r.reply, remote_mta=result.remote, last_attempt=now)
            if r.kind == "delivered":
                done.append(c)
                if not result.dsn_offered and wants(c.notify, "SUCCESS"):  # RFC 3461 §5.2.2
                    outcomes.append(RecipientOutcome(c.address, "relayed", "2.0.0", **common))  # type: ignore[arg-type]
            elif r.kind == "permanent" or self._policy.expired(c.created_at, now):
                done.append(c)
                status = status_of(r.reply, "5.0.0") if r.kind == "permanent" else "4.4.7"  # RFC 3463 §3.5
                if wants(c.notify, "FAILURE"):
                    outcomes.append(RecipientOutcome(c.address, "failed", status, **common))  # type: ignore[arg-type]
            else:
                later.append((c, r))
                if self._policy.delay_warning_due(c.created_at, now, c.delay_notified) and wants(c.notify, "DELAY"):
                    warned.append(c)
                    outcomes.append(
                        RecipientOutcome(
                            c.address,
                            "delayed",
                            status_of(r.reply, "4.0.0"),
                            will_retry_until=self._policy.retry_until(c.created_at),
                            **common,  # type: ignore[arg-type]
                        )
                    )
        if outcomes:
            sender, arrival = first.mail_from, first.created_at
            report = DsnReport(self._hostname, sender, tuple(outcomes), raw, arrival, first.envid, first.ret)
            await self._outbox.send_dsn(report)
        if warned:
            await self._spool.mark_delay_notified(warned)
        if done:
            await self._spool.finish(done)
        for c, r in later:
            await self._spool.defer([c], self._policy.next_attempt(c.attempts + 1, now), r.reply)
        log.info(
            "queue attempt",
            extra={
                "domain": first.domain,
                "delivered": sum(1 for r in result.results if r.kind == "delivered"),
                "failed": len(done) - sum(1 for r in result.results if r.kind == "delivered"),
                "deferred": len(later),
            },
        )


def _groups(claims: list[Claimed]) -> list[list[Claimed]]:
    grouped: dict[tuple[int, str], list[Claimed]] = defaultdict(list)
    for c in claims:
        grouped[(c.queue_message_id, c.domain)].append(c)
    return list(grouped.values())
