"""The IMAP benchmark's results and the Markdown it prints and writes under `## IMAP` in BENCHMARKS.md.

Owns `Results` (per system and mailbox size: the timed operations, the memory, the load average at the start of
each measurement; the IDLE delays; build times, storage sizes and profiles), `render` (the tables: times, Caducée
over Dovecot as a ratio of times beside the issue 4 target, the IDLE push, the memory) and `write_section`, which
replaces only the `## IMAP` section of BENCHMARKS.md. Never measures anything itself.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from imapbench.operations import Measured

SECTION = "## IMAP"
OPERATIONS = (
    "SELECT (first)",
    "SELECT (second)",
    "FETCH 1:* (UID FLAGS)",
    "last 50 envelopes (cold)",
    "last 50 envelopes (warm)",
    "SEARCH SUBJECT (cold)",
    "SEARCH SUBJECT (warm)",
    "SEARCH BODY (cold)",
    "SEARCH BODY (warm)",
    "SEARCH TEXT",
)
ISSUE_SIZE = 100_000
ISSUE4 = {  # Dovecot 2.3 with 100,000 messages, as measured for issue 4 (another day, another machine state)
    "SELECT (first)": 0.199,
    "SELECT (second)": 0.0019,
    "FETCH 1:* (UID FLAGS)": 0.051,
    "last 50 envelopes (cold)": 0.317,
    "last 50 envelopes (warm)": 0.0008,
    "SEARCH SUBJECT (cold)": 1.4,
    "SEARCH SUBJECT (warm)": 0.132,
    "SEARCH BODY (cold)": 3.1,
    "SEARCH BODY (warm)": 3.1,
    "SEARCH TEXT": 3.1,
}
TEN_TIMES = ("SEARCH BODY (cold)", "SEARCH BODY (warm)", "SEARCH TEXT")  # issue 4: at least 10x faster


@dataclass
class Results:
    started: datetime
    load_before: str
    machine: str
    dovecot_version: str = ""
    load_after: str = ""
    # (system, size, start: 1 = first server start after the mailbox was built, 2 = the next) -> (times, load)
    measured: dict[tuple[str, int, int], tuple[Measured, str]] = field(default_factory=dict)
    push: dict[str, tuple[list[float], str]] = field(default_factory=dict)  # system -> (delays s, load)
    build: dict[str, float] = field(default_factory=dict)  # system -> seconds
    storage: dict[str, float] = field(default_factory=dict)  # system -> MB on disk
    profiles: dict[int, str] = field(default_factory=dict)  # size -> Markdown

    def add(self, system: str, size: int, start: int, measured: Measured, load: str) -> None:
        self.measured[(system, size, start)] = (measured, load)

    def times(self, system: str, size: int, start: int) -> dict[str, float]:
        found = self.measured.get((system, size, start))
        return found[0].times if found is not None else {}

    @property
    def sizes(self) -> list[int]:
        return sorted({size for _, size, _ in self.measured})


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 0:
        return "-" + _time(-seconds)
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms" if seconds >= 0.001 else f"{seconds * 1000:.2f} ms"


def _ratio(ours: float | None, theirs: float | None, name: str) -> str:
    if ours is None or not theirs:
        return "n/a"
    ratio = ours / theirs
    target = 0.1 if name in TEN_TIMES else 1.0
    verdict = "met" if ratio <= target else "MISSED"
    return f"{ratio:.2f}× ({verdict}, target ≤ {target:g}×)"


def _table(r: Results, size: int) -> list[str]:
    """One mailbox size: each system on its first and second start, Caducée over Dovecot for each, and at
    100,000 messages the figures of issue 4."""
    columns = [(s, n) for n in (1, 2) for s in ("Caducée", "Dovecot") if (s, size, n) in r.measured]
    issue = size == ISSUE_SIZE
    head = "| operation |"
    for n in (1, 2):
        head += "".join(f" {s}, start {n} |" for s, m in columns if m == n) + f" ratio, start {n} |"
    if issue:
        head += " Dovecot (issue 4) | Caducée start 2 / issue 4 |"
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for name in OPERATIONS:
        row = f"| {name} |"
        for n in (1, 2):
            row += "".join(f" {_time(r.times(s, size, m).get(name))} |" for s, m in columns if m == n)
            row += f" {_ratio(r.times('Caducée', size, n).get(name), r.times('Dovecot', size, n).get(name), name)} |"
        if issue:
            reference = ISSUE4.get(name)
            row += f" {_time(reference)} | {_ratio(r.times('Caducée', size, 2).get(name), reference, name)} |"
        lines.append(row)
    for label, cell in (
        ("memory (RSS)", lambda m, _load: f"{m.times['RSS']:.0f} MB"),
        ("load average at start", lambda _m, load: load),
    ):
        row = f"| {label} |"
        for n in (1, 2):
            row += "".join(f" {cell(*r.measured[(s, size, m)])} |" for s, m in columns if m == n) + " |"
        lines.append(row + (" 54 MB |  |" if issue and label.startswith("memory") else " | |" if issue else ""))
    return lines


def render(r: Results) -> str:
    lines = [
        f"Measured {r.started:%Y-%m-%d %H:%M} UTC on {r.machine}; Dovecot {r.dovecot_version or 'not run'}. "
        f"Load average before the run {r.load_before}, after {r.load_after}; the load at the start of each "
        "measurement is in its column (the machine is shared with other test runs).",
        "One mailbox of distinct ~4 KB messages (bench/imapbench/corpus.py), the same bytes in both servers: Caducée "
        "filled by direct delivery through the store (`store.mail.deliver`, group commit) into SQLite, its full-text "
        "index then brought up to date; Dovecot "
        "(default settings, Maildir) given the same messages as files in cur/, indexed by `doveadm` before the "
        "run. Each size is measured twice on each server: on its first start after the mailbox was built (Dovecot's "
        "cache file still empty) and on the next start (Dovecot's index and cache files as the first session left "
        "them; Caducée, the SELECT snapshot its first session stored in the database for folders of 2,000 messages "
        "or more, as Dovecot keeps its index). Cold = first time in the new process (the OS page cache is "
        "warm); warm = median of 21 repeats (3 for SEARCH BODY); over implicit TLS, by a raw-socket client "
        "(bench/imapbench/wire.py). "
        "Ratio = Caducée's time / Dovecot's on the same start (lower is better). Run `make bench` or "
        "`python bench/imap.py` to reproduce.",
        "",
    ]
    for size in r.sizes:
        lines += [*_table(r, size), ""]
    if r.push:
        lines += [
            "| IDLE push (250 → `* n EXISTS`) | median | p90 | max | rounds | load |",
            "|---|---|---|---|---|---|",
        ]
        for system, (delays, load) in sorted(r.push.items(), key=lambda kv: kv[0] != "Caducée"):
            ordered = sorted(delays)
            p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
            lines.append(
                f"| {system} ({'SMTP submission' if system == 'Caducée' else 'LMTP'}) | "
                f"{_time(statistics.median(delays))} | {_time(p90)} | {_time(max(delays))} | {len(delays)} | {load} |"
            )
        lines += [
            "| Dovecot (issue 4) | 503 ms | | | | |",
            "",
            "The delay runs from the moment the client has read the `250` to the moment the `* n EXISTS` bytes "
            "reached the IDLE session; a negative delay means the push arrived before the `250` did (Caducée "
            "answers the submission and notifies the sessions after the same commit). Target: under 50 ms.",
            "",
        ]
    notes = {
        s: r.measured[(s, size, n)][0].notes.get("RSS", "")
        for s, size, n in r.measured
        if n == 1 and size == r.sizes[-1]
    }
    lines.append("Memory: " + "; ".join(f"{s}: {note}" for s, note in notes.items()) + ".")
    ours = [r.times("Caducée", size, 2).get("RSS") for size in r.sizes]
    if len(ours) == 2 and ours[0] and ours[1]:
        lines.append(
            f"Caducée's memory from {r.sizes[0]:,} to {r.sizes[1]:,} messages (second starts): {ours[0]:.0f} → "
            f"{ours[1]:.0f} MB ({(ours[1] - ours[0]) / ours[0] * 100:+.0f} %; target: flat)."
        )
    build = ", ".join(f"{s} {secs:.0f} s" for s, secs in r.build.items())
    disk = ", ".join(f"{s} {mb:,.0f} MB" for s, mb in r.storage.items())
    lines.append(f"Building the mailbox: {build}. On disk: {disk}.")
    for size, text in r.profiles.items():
        lines += [
            "",
            f"Profile of Caducée at {size:,} messages (py-spy, share of each operation's samples):",
            "",
            text,
        ]
    return "\n".join(lines) + "\n"


def storage(database: Path, maildir: Path | None) -> dict[str, float]:
    """MB on disk: the SQLite file and its WAL, and the Maildir with Dovecot's index files."""
    out = {"Caducée": sum(p.stat().st_size for p in database.parent.glob(database.name + "*")) / 2**20}
    if maildir is not None:
        out["Dovecot"] = sum(p.stat().st_size for p in maildir.rglob("*") if p.is_file()) / 2**20
    return out


def write_section(path: Path, body: str) -> None:
    """Replace (or append) the `## IMAP` section of BENCHMARKS.md; other sections are left as they are."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    section = f"{SECTION}\n\n{body.rstrip()}\n\n"
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    path.write_text(text)
