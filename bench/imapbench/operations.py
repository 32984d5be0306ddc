"""The operations the IMAP benchmark times, the same bytes sent to every server, each answer checked.

Owns `measure(...)`: on a fresh server process, one session logs in and times the first and second SELECT,
`FETCH 1:* (UID FLAGS)` on the raw socket, `UID FETCH` of the last 50 envelopes (cold, then warm), `UID SEARCH
SUBJECT` on a token found in one Subject (cold, then warm), `UID SEARCH BODY` and `UID SEARCH TEXT` on a word found
in one body, then reads the server's memory; and `idle_push(...)`: the delay from the `250` of a delivery to the
`* n EXISTS` reaching a session in IDLE. Warm figures are medians of repeats. An answer that is not the expected
one (message count, UIDs found) stops the benchmark: a fast wrong answer is not a result.
"""

from __future__ import annotations

import re
import ssl
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from imapbench import corpus
from imapbench.wire import IdleWatch, Wire

WARM_REPEATS = 21  # a median of 5 sub-millisecond commands moved by 0.2 ms from run to run on this machine


@dataclass
class Measured:
    times: dict[str, float] = field(default_factory=dict)  # operation -> seconds
    notes: dict[str, str] = field(default_factory=dict)  # operation -> what else was seen (bytes, matches)


def _uids(answer: bytes) -> list[int]:
    found = re.search(rb"\* SEARCH([ 0-9]*)\r\n", answer)
    assert found is not None, answer[-300:]
    return [int(x) for x in found.group(1).split()]


def _expect(what: str, got: object, wanted: object) -> None:
    if got != wanted:
        raise AssertionError(f"{what}: got {got!r}, expected {wanted!r}")


def measure(
    port: int, context: ssl.SSLContext, user: str, password: str, count: int, memory: Callable[[], tuple[float, str]]
) -> Measured:
    """Time every operation on a mailbox holding corpus messages 0..count-1 as UIDs 1..count; `memory()` is read
    at the end, the session still open: (resident MB of the server, what was counted)."""
    out = Measured()
    wire = Wire(port, context)
    try:
        wire.login(user, password)
        for name in ("SELECT (first)", "SELECT (second)"):
            out.times[name], answer = wire.command("SELECT INBOX")
            exists = re.search(rb"\* (\d+) EXISTS", answer)
            _expect(f"{name} EXISTS", exists and int(exists.group(1)), count)
        runs = []
        for _ in range(3):
            seconds, answer = wire.bulk("FETCH 1:* (UID FLAGS)")
            runs.append(seconds)
            _expect("FETCH 1:* lines", answer.count(b" FETCH (UID "), count)
        out.times["FETCH 1:* (UID FLAGS)"] = statistics.median(runs)
        out.notes["FETCH 1:* (UID FLAGS)"] = f"{len(answer) / 2**20:.1f} MB"

        envelopes = f"UID FETCH {count - 49}:{count} (ENVELOPE)"
        out.times["last 50 envelopes (cold)"], answer = wire.command(envelopes)
        _expect("envelopes", answer.count(b" FETCH ("), 50)
        out.times["last 50 envelopes (warm)"] = _median(wire, envelopes, WARM_REPEATS)

        subject = f"UID SEARCH SUBJECT {corpus.subject_token(count // 2)}"
        out.times["SEARCH SUBJECT (cold)"], answer = wire.command(subject)
        _expect("SEARCH SUBJECT", _uids(answer), [count // 2 + 1])
        out.times["SEARCH SUBJECT (warm)"] = _median(wire, subject, WARM_REPEATS)

        body = f"UID SEARCH BODY {corpus.body_token(count // 3)}"
        out.times["SEARCH BODY (cold)"], answer = wire.command(body)
        _expect("SEARCH BODY", _uids(answer), [count // 3 + 1])
        out.times["SEARCH BODY (warm)"] = _median(wire, body, 3)

        text = f"UID SEARCH TEXT {corpus.body_token(count // 5)}"
        out.times["SEARCH TEXT"], answer = wire.command(text)
        _expect("SEARCH TEXT", _uids(answer), [count // 5 + 1])
        out.times["RSS"], out.notes["RSS"] = memory()
    finally:
        wire.close()
    return out


def _median(wire: Wire, command: str, repeats: int) -> float:
    return float(statistics.median(wire.command(command)[0] for _ in range(repeats)))


def idle_push(
    port: int,
    context: ssl.SSLContext,
    user: str,
    password: str,
    count: int,
    deliver: Callable[[int], float],
    rounds: int = 20,
) -> list[float]:
    """Seconds from the `250` of `deliver(i)` (which returns the perf_counter time it got the 250) to the
    `* <count+i+1> EXISTS` on a session in IDLE, for `rounds` deliveries."""
    wire = Wire(port, context)
    delays = []
    try:
        wire.login(user, password)
        wire.command("SELECT INBOX")
        watch = IdleWatch(wire)
        for i in range(rounds):
            acknowledged = deliver(i)
            arrived = watch.wait_for(count + i + 1)
            delays.append(arrived - acknowledged)
            time.sleep(0.05 + 0.013 * (i % 7))  # land at different points of any polling cycle
        watch.done()
        # Back to the corpus alone, so that a kept mailbox (--work) measures the same next time.
        wire.command(f"UID STORE {count + 1}:* +FLAGS.SILENT (\\Deleted)")
        wire.command(f"UID EXPUNGE {count + 1}:*")
    finally:
        wire.sock.close()
    return delays
