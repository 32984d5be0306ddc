"""Where our server spends its time in each benchmarked operation: py-spy samples of `caducee serve`,
summarised as the functions with the largest share of the samples.

Owns `profile_warm(...)` (each operation repeats for a few seconds in one session under the profiler) and
`profile_cold(...)` (each cold operation once, on a freshly started server, the profiler attached before it),
both returning Markdown: per operation, the top functions of our code by inclusive share (the time spent in them
and below) and the top frames by self share (where the CPU actually was). Needs py-spy (`pip install py-spy`, not
a declared dependency; without it the profile says so) and the right to trace the server (root here). Timings
taken while profiling are never reported: sampling slows the process down.
"""

from __future__ import annotations

import collections
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Protocol

from imapbench import corpus
from imapbench.wire import Wire

MIN_SECONDS = 3.0  # each operation repeats at least this long under the profiler
TOP = 6


def _py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def operations(count: int) -> dict[str, str]:
    return {
        "SELECT": "SELECT INBOX",
        "FETCH 1:* (UID FLAGS)": "FETCH 1:* (UID FLAGS)",
        "last 50 envelopes": f"UID FETCH {count - 49}:{count} (ENVELOPE)",
        "SEARCH SUBJECT": f"UID SEARCH SUBJECT {corpus.subject_token(count // 2)}",
        "SEARCH BODY": f"UID SEARCH BODY {corpus.body_token(count // 3)}",
    }


class _Recorder:
    """py-spy attached to `pid` for the duration of a `with` block; `summary()` afterwards."""

    def __init__(self, spy: str, pid: int, folder: Path, rate: int) -> None:
        self.raw = folder / f"profile-{time.monotonic_ns()}.txt"
        self.command = [spy, "record", "-p", str(pid), "-r", str(rate), "-f", "raw", "-o", str(self.raw)]

    def __enter__(self) -> _Recorder:
        self.proc = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)  # py-spy attaches
        return self

    def __exit__(self, *_exc: object) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)

    def summary(self) -> str:
        return summarise(self.raw)


def _run(wire: Wire, command: str) -> None:
    (wire.bulk if command.startswith("FETCH 1:*") else wire.command)(command)


def profile_warm(pid: int, port: int, context: ssl.SSLContext, user: str, password: str, count: int) -> str:
    spy = _py_spy()
    if spy is None:
        return "(py-spy is not installed: no profile)"
    wire = Wire(port, context)
    wire.login(user, password)
    wire.command("SELECT INBOX")
    out: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="imap-profile-") as tmp:
            for name, command in operations(count).items():
                with _Recorder(spy, pid, Path(tmp), 250) as recorder:
                    began, repeats = time.monotonic(), 0
                    while time.monotonic() - began < MIN_SECONDS or repeats < 3:
                        _run(wire, command)
                        repeats += 1
                out.append(f"- **{name}, warm** ({repeats} runs): {recorder.summary()}")
    finally:
        wire.close()
    return "\n".join(out)


def profile_cold(server: Server, context: ssl.SSLContext, user: str, password: str, count: int) -> str:
    """Each operation once, first of its kind in a freshly started server (SELECT first of all)."""
    spy = _py_spy()
    if spy is None:
        return "(py-spy is not installed: no profile)"
    out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="imap-profile-") as tmp:
        for name, command in operations(count).items():
            server.start()
            try:
                wire = Wire(server.imaps, context)
                wire.login(user, password)
                if name != "SELECT":
                    wire.command("SELECT INBOX")
                with _Recorder(spy, server.pid, Path(tmp), 1000) as recorder:
                    _run(wire, command)
                wire.close()
            finally:
                server.stop()
            out.append(f"- **{name}, cold**: {summarise(recorder.raw, session_only=True)}")
    return "\n".join(out)


class Server(Protocol):
    @property
    def imaps(self) -> int: ...

    @property
    def pid(self) -> int: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


# Leaves where a thread waits (epoll, aiosqlite's and the executor's queues, locks): not work.
IDLE_LEAVES = ("selectors.py:", "aiosqlite/core.py:59)", "futures/thread.py:81)", "threading.py:", "queue.py:")
ENTRY_FRAMES = ("mailserver/__main__.py", "mailserver/cli/", "mailserver/runtime.py", "imap/server.py", "session.py")


SESSION = "imap/session.py"
SQLITE_THREAD = "aiosqlite/core.py:63)"  # the line where aiosqlite's thread runs a statement


def summarise(raw: Path, *, session_only: bool = False) -> str:
    """Shares of the active samples (a thread waiting in epoll or on a queue is not work): our functions by
    inclusive share below the session's dispatch, and the leaf frames by self share. `session_only` keeps the
    samples taken inside a session's command (a cold profile: the process also polls while py-spy attaches)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = sqlite = 0
    if not raw.exists():
        return "no samples"
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = [f.strip() for f in stack.split(";") if f.strip()]
        if not n.isdigit() or not frames or any(idle in frames[-1] for idle in IDLE_LEAVES):
            continue
        weight = int(n)
        if SQLITE_THREAD in frames[-1]:
            sqlite += weight
        if session_only and not any(SESSION in f for f in frames):
            continue
        total += weight
        own[frames[-1]] += weight
        for frame in {f for f in frames if "mailserver/" in f and not any(e in f for e in ENTRY_FRAMES)}:
            inclusive[frame] += weight
    if not total:
        return "no active samples"
    ours = "; ".join(f"`{f}` {100 * n / total:.0f} %" for f, n in inclusive.most_common(TOP))
    selfs = "; ".join(f"`{f}` {100 * n / total:.0f} %" for f, n in own.most_common(TOP))
    where = "in the session's command" if session_only else "active"
    return (
        f"{total} samples {where} (and {sqlite} in aiosqlite's thread running SQL). "
        f"Ours, inclusive: {ours}. Self: {selfs}."
    )
