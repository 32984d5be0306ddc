"""Fixtures of the end-to-end tests: two operators, A (a.test) and B (b.test), each a real `caducee serve`
subprocess with its own PKI, trusting the other's root as an anchor and listing the other's server DN in the
trust space, with a pinned route to the other's MX."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from mailserver import config, runtime
from tests.e2e.instances import Instance, create_instance, whitelist_xml

PASSWORD = "correct horse battery staple"
CRLS = ("org-ca.crl.pem", "root-ca.crl.pem")


@dataclass
class Operators:
    a: Instance
    b: Instance


def _mailbox(inst: Instance, address: str) -> None:
    inst.cli("mailbox", "add", address, "--type", "PER", "--rpps", "10001234567", "--password-stdin", stdin=PASSWORD)


@pytest.fixture(scope="module")
def operators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operators]:
    root = tmp_path_factory.mktemp("operators")
    a = create_instance(root, "a.test", organisation="Operateur A", structure_id="1000000001")
    b = create_instance(root, "b.test", organisation="Operateur B", structure_id="1000000002")
    listing = root / "whitelist.xml"
    listing.write_text(whitelist_xml([("a.test", a.server_dn()), ("b.test", b.server_dn())]))
    for me, other in ((a, b), (b, a)):
        # The organisations CAs are anchors too, so their CRLs have a configured issuer (crypto.revocation).
        anchors = ["pki/root-ca.pem", "pki/org-ca.pem", other.root_ca, other.directory / "pki" / "org-ca.pem"]
        me.set("trust.anchors", "[" + ", ".join(f'"{x}"' for x in anchors) + "]")
        crls = [me.directory / "pki" / n for n in CRLS] + [other.directory / "pki" / n for n in CRLS]
        me.set("trust.crls", "[" + ", ".join(f'"{c}"' for c in crls) + "]")
        me.set("queue.routes", f'{{ "{other.domain}" = "127.0.0.1:{other.mx}" }}')
        me.set("queue.retry_initial", "1")
        me.set("queue.retry_max", "2")
        me.set("queue.delay_warning", "3")
        me.cli("trust", "import", listing)
    _mailbox(a, "dr.a@a.test")
    _mailbox(b, "dr.b@b.test")
    a.start()
    b.start()
    yield Operators(a, b)
    a.stop()
    b.stop()


def client_tls(inst: Instance) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(inst.root_ca))
    ctx.check_hostname = False
    return ctx


def mailbox_messages(inst: Instance, address: str) -> list[bytes]:
    """Every message in the INBOX of `address`, read through the instance's store."""
    settings = config.load(inst.config)

    async def read() -> list[bytes]:
        async with runtime.opened_store(settings) as store:
            box = await store.accounts.get_mailbox(address)
            assert box is not None
            inbox = next(f for f in await store.mail.folders_of(box.id) if f.name == "INBOX")
            return [await store.mail.read_message(mid) for _, mid in await store.mail.folder_uids(inbox.id)]

    return asyncio.run(read())


def wait_for(predicate: Callable[[], bool], timeout: float = 40.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def has(inst: Instance, address: str, *needles: bytes) -> bool:
    return any(all(n in m for n in needles) for m in mailbox_messages(inst, address))


__all__ = ["PASSWORD", "Operators", "client_tls", "has", "mailbox_messages", "operators", "wait_for"]
