"""Two real sessions on one folder: one expunges while the other fetches. The fetching client keeps a model of its
numbering from what the server told it (EXISTS, EXPUNGE); every FETCH must agree with that model."""

from __future__ import annotations

import asyncio
import re

from tests.mailserver.imap.conftest import USER, ImapServer, RawImap, deliver, message_bytes

MESSAGES = 120


def searched(answer: bytes) -> list[int]:
    """The numbers of a `* SEARCH` answer."""
    return [int(n) for n in answer.split(b"\r\n")[0].split()[2:]]


class Numbering:
    """The client's view: UIDs by sequence number, changed only by what the server says."""

    def __init__(self) -> None:
        self.uids: list[int] = []

    def read(self, answer: bytes) -> list[tuple[int, int]]:
        """Apply EXPUNGE lines, check FETCH lines against the model; returns the (number, uid) pairs fetched."""
        fetched: list[tuple[int, int]] = []
        for line in answer.split(b"\r\n"):
            if expunged := re.fullmatch(rb"\* (\d+) EXPUNGE", line):
                del self.uids[int(expunged.group(1)) - 1]
            elif found := re.match(rb"\* (\d+) FETCH \(UID (\d+)", line):
                number, uid = int(found.group(1)), int(found.group(2))
                assert self.uids[number - 1] == uid, (number, uid)
                fetched.append((number, uid))
        return fetched


async def test_one_session_expunges_while_the_other_fetches_and_numbers_stay_consistent(
    imap_server: ImapServer,
) -> None:
    await asyncio.gather(*(deliver(imap_server.store, USER, message_bytes(n)) for n in range(MESSAGES)))
    reader = await RawImap.connect(imap_server)
    writer = await RawImap.connect(imap_server)
    model = Numbering()
    selected = await reader.command("a0 SELECT INBOX")
    assert b"* %d EXISTS" % MESSAGES in selected
    model.uids = searched(await reader.command("a1 UID SEARCH ALL"))
    await writer.command("b0 SELECT INBOX")

    async def expunge_in_batches() -> None:
        for start in range(1, MESSAGES, 10):
            await writer.command(f"b{start} UID STORE {start}:{start + 4} +FLAGS.SILENT (\\Deleted)")
            await writer.command(f"c{start} EXPUNGE")
            await asyncio.sleep(0)

    async def fetch_repeatedly() -> int:
        rounds = 0
        for n in range(25):
            answer = await reader.command(f"f{n} FETCH 1:* (UID FLAGS)")
            fetched = model.read(answer)  # unsolicited flag changes may come first; every line fits the model
            count = len(model.uids)
            assert [number for number, _ in fetched[-count:]] == list(range(1, count + 1))
            assert b" EXPUNGE" not in answer  # never during a FETCH by sequence numbers
            if n % 3 == 0:
                model.read(await reader.command(f"n{n} NOOP"))
            rounds += 1
        return rounds

    _, rounds = await asyncio.gather(expunge_in_batches(), fetch_repeatedly())
    assert rounds == 25
    model.read(await reader.command("z1 NOOP"))
    store_uids = searched(await reader.command("z2 UID SEARCH ALL"))
    assert model.uids == store_uids and len(store_uids) == MESSAGES // 2
    await reader.close()
    await writer.close()
