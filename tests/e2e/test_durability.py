"""Durability (DESIGN.md §5): a server in a subprocess takes a stream of messages from 10 concurrent clients and
is killed with SIGKILL at random moments, 20 times, restarted after each. Every message that was answered `250`
is in the store exactly once afterwards; nothing unanswered is stored twice.

The clients are another operator's MTAs on the MX (mutual TLS): reconnecting after each kill costs a handshake,
not a password hash, so most of the run is spent delivering."""

from __future__ import annotations

import asyncio
import random
import re
import smtplib
import ssl
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from mailserver import config, runtime
from tests.e2e.instances import Instance, create_instance, mx_sender

SENDER = "secretariat@emetteur.test"
CLIENTS = 10
KILLS = 20
TOKEN = re.compile(rb"Message-ID: <(dur-[0-9a-f-]+)@")


class Stream:
    """10 submission clients sending unique messages until stopped; remembers which got 250."""

    def __init__(self, port: int, ctx: ssl.SSLContext) -> None:
        self.port = port
        self.ctx = ctx
        self.acked: list[str] = []
        self.sent = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(CLIENTS)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)

    def _client(self, n: int) -> None:
        seq = 0
        while not self.stop.is_set():
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as smtp:
                    smtp.starttls(context=self.ctx)
                    while not self.stop.is_set():
                        seq += 1
                        token = f"dur-{n}-{seq}"
                        body = (
                            f"From: <{SENDER}>\r\nTo: <dr.d@d.test>\r\nSubject: {token}\r\n"
                            f"Message-ID: <{token}@d.test>\r\n\r\n{'x' * 300}\r\n"
                        )
                        with self.lock:
                            self.sent += 1
                        smtp.sendmail(SENDER, ["dr.d@d.test"], body.encode())
                        with self.lock:
                            self.acked.append(token)
            except (OSError, smtplib.SMTPException, ssl.SSLError):
                time.sleep(0.05)  # the server is down or was killed mid-transaction: not acknowledged


def _stored_tokens(inst: Instance) -> Counter[str]:
    settings = config.load(inst.config)

    async def read() -> Counter[str]:
        async with runtime.opened_store(settings) as store:
            box = await store.accounts.get_mailbox("dr.d@d.test")
            assert box is not None
            found: Counter[str] = Counter()
            for folder in await store.mail.folders_of(box.id):
                for _, message_id in await store.mail.folder_uids(folder.id):
                    match = TOKEN.search(await store.mail.read_message(message_id))
                    if match:
                        found[match.group(1).decode()] += 1
            return found

    return asyncio.run(read())


@pytest.mark.slow
def test_every_acknowledged_message_survives_twenty_sigkills_exactly_once(tmp_path: Path) -> None:
    inst = create_instance(tmp_path, "d.test", organisation="Operateur D", structure_id="1000000004")
    inst.cli("mailbox", "add", "dr.d@d.test", "--type", "PER", "--rpps", "10001234567", stdin="")
    ctx = mx_sender(inst, "emetteur.test")
    rng = random.Random(20261126)
    stream = Stream(inst.mx, ctx)
    inst.start()
    stream.start()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.15, 0.7))
            inst.kill()
            inst.start()
        time.sleep(0.5)
    finally:
        stream.join()
        inst.stop()
    stored = _stored_tokens(inst)
    acked = Counter(stream.acked)
    assert len(acked) > 100, (
        f"too few messages were acknowledged ({len(acked)} of {stream.sent}):\n{inst.log()[-3000:]}"
    )
    missing = [t for t in acked if stored[t] == 0]
    twice = [t for t, n in stored.items() if n > 1]
    assert missing == [], f"acknowledged but lost: {missing[:10]}"
    assert twice == [], f"stored more than once: {twice[:10]}"
