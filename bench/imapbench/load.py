"""The machine's load while the IMAP benchmark measures: it is shared with other engineers' test runs.

Owns `load_average()` (the three figures, as text, noted beside every measurement) and `wait_for_quiet()`, which
waits (a bounded time) for the one-minute load to fall under the CPU count before a measurement starts, and says
when it gave up. Never changes anything on the machine.
"""

from __future__ import annotations

import os
import time

QUIET_FACTOR = 1.5  # wait while the one-minute load is above this many times the CPU count
MAX_WAIT = 60.0  # seconds


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def wait_for_quiet(max_wait: float = MAX_WAIT) -> None:
    cpus = os.cpu_count() or 1
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] > QUIET_FACTOR * cpus:
        if time.monotonic() > deadline:
            print(f"  load still {load_average()} after {max_wait:.0f} s: measuring anyway", flush=True)
            return
        time.sleep(5)
