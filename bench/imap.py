"""IMAP benchmark: a 100,000-message mailbox on our server and on Dovecot, the same operations in the same run.

Builds one mailbox of N distinct messages of about 4 KB (bench/imapbench/corpus.py) twice: in Caducée by direct
delivery through the store (`store.mail.deliver`, the delivery path itself, group-committed), and in a private
Dovecot (Debian's packages, its own config in a temp folder, loopback ports) as Maildir files that `doveadm` then
indexes. At 10,000 messages and again at N, on freshly started servers, over implicit TLS, it times the first and
second SELECT, `FETCH 1:* (UID FLAGS)` on the raw socket, the last 50 envelopes (cold, warm), `UID SEARCH SUBJECT`
(cold, warm), `UID SEARCH BODY` and `TEXT` on a word found in one body, and reads each server's memory; at N it
also times the delay from a delivery's `250` (SMTP submission for Caducée, LMTP for Dovecot: each one's own
delivery door) to the `* n EXISTS` in an IDLE session. Prints a table with ratios and writes the `## IMAP` section
of BENCHMARKS.md with the machine, the date and the load average.

Usage: python -m bench.imap [--messages 100000] [--first 10000] [--no-dovecot] [--no-write] [--profile]
       [--work DIR]   (or python bench/imap.py ...)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import smtplib
import ssl
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name: str, folder: Path) -> None:
    """Import a bench/ folder as a package without bench/ on sys.path (its scripts would shadow packages)."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


_load("ingest", HERE / "ingest")
_load("imapbench", HERE / "imapbench")

from imapbench import corpus, dovecot, operations, report  # noqa: E402
from imapbench.caducee import PASSWORD, CaduceeImap  # noqa: E402
from imapbench.load import load_average, wait_for_quiet  # noqa: E402
from imapbench.profile import profile_cold, profile_warm  # noqa: E402
from ingest.caducee import machine  # noqa: E402


def measure_caducee(instance: CaduceeImap, count: int, start: int, results: report.Results) -> None:
    wait_for_quiet()
    instance.start()
    try:
        load = load_average()
        measured = operations.measure(
            instance.imaps, instance.client_tls(), corpus.ADDRESS, PASSWORD, count, instance.memory
        )
        results.add("Caducée", count, start, measured, load)
    finally:
        instance.stop()


def profile_caducee(instance: CaduceeImap, count: int, results: report.Results) -> None:
    tls = instance.client_tls()
    cold = profile_cold(instance, tls, corpus.ADDRESS, PASSWORD, count)
    instance.start()
    try:
        warm = profile_warm(instance.pid, instance.imaps, tls, corpus.ADDRESS, PASSWORD, count)
    finally:
        instance.stop()
    results.profiles[count] = f"{cold}\n{warm}"


def measure_dovecot(
    server: dovecot.Dovecot, tls: ssl.SSLContext, count: int, start: int, results: report.Results
) -> None:
    wait_for_quiet()
    server.start()
    try:
        load = load_average()
        measured = operations.measure(server.imaps, tls, corpus.ADDRESS, PASSWORD, count, server.memory)
        results.add("Dovecot", count, start, measured, load)
    finally:
        server.stop()


def push_caducee(instance: CaduceeImap, count: int, results: report.Results) -> None:
    wait_for_quiet()
    instance.start()
    smtp = smtplib.SMTP("127.0.0.1", instance.submission, timeout=60)
    try:
        smtp.starttls(context=instance.client_tls())
        smtp.login(corpus.ADDRESS, PASSWORD)

        def deliver(i: int) -> float:
            smtp.sendmail(corpus.ADDRESS, [corpus.ADDRESS], corpus.push_message(i))
            return time.perf_counter()

        load = load_average()
        delays = operations.idle_push(instance.imaps, instance.client_tls(), corpus.ADDRESS, PASSWORD, count, deliver)
        results.push["Caducée"] = (delays, load)
    finally:
        smtp.quit()
        instance.stop()


def push_dovecot(server: dovecot.Dovecot, tls: ssl.SSLContext, count: int, results: report.Results) -> None:
    wait_for_quiet()
    server.start()
    lmtp = smtplib.LMTP("127.0.0.1", server.lmtp, timeout=60)
    try:

        def deliver(i: int) -> float:
            lmtp.sendmail(corpus.ADDRESS, [dovecot.USER], corpus.push_message(i))
            return time.perf_counter()

        load = load_average()
        delays = operations.idle_push(server.imaps, tls, corpus.ADDRESS, PASSWORD, count, deliver)
        results.push["Dovecot"] = (delays, load)
    finally:
        lmtp.quit()
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--first", type=int, default=10_000, help="the smaller size measured first")
    parser.add_argument("--no-dovecot", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--profile", action="store_true", help="py-spy profiles of our server at the largest size")
    parser.add_argument("--work", help="keep the mailboxes in this folder, and reuse what an earlier run built there")
    args = parser.parse_args()
    results = report.Results(started=datetime.now(UTC), load_before=load_average(), machine=machine())
    with tempfile.TemporaryDirectory(prefix="caducee-imap-bench-") as tmp:
        root = Path(args.work or tmp)
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o755)  # Dovecot's processes run as its own users
        run(root, args, results)
    results.load_after = load_average()
    text = report.render(results)
    print(text)
    if not args.no_write:
        report.write_section(HERE.parent / "BENCHMARKS.md", text)
    return 0


def run(root: Path, args: argparse.Namespace, results: report.Results) -> None:
    state = root / "built.json"
    built: dict[str, int] = json.loads(state.read_text()) if state.exists() else {}
    instance = CaduceeImap(root)
    instance.create()
    reference = None
    if not args.no_dovecot:
        dovecot.ensure_packages()
        results.dovecot_version = dovecot.version()
        reference = dovecot.Dovecot(root, instance.certificate, PASSWORD)
        reference.create()
    if built.get("pushed") and args.messages > built.get("Caducée", 0):
        sys.exit(f"{root} was measured for IDLE already: its UIDs no longer follow the corpus; use a new --work")
    for size in (args.first, args.messages):
        if built.get("Caducée", 0) > size or (reference is not None and built.get("Dovecot", 0) > size):
            print(f"skipping {size} messages: {root} holds more", flush=True)
            continue
        if built.get("Caducée", 0) < size:
            print(f"building {size} messages", flush=True)
        results.build["Caducée"] = results.build.get("Caducée", 0.0) + instance.fill(built.get("Caducée", 0), size)
        built["Caducée"] = size
        if reference is not None:
            results.build["Dovecot"] = results.build.get("Dovecot", 0.0) + reference.fill(built.get("Dovecot", 0), size)
            built["Dovecot"] = size
        state.write_text(json.dumps(built))
        print(f"measuring at {size} messages", flush=True)
        for start in (1, 2):
            measure_caducee(instance, size, start, results)
            if reference is not None:
                measure_dovecot(reference, instance.client_tls(), size, start, results)
    if args.profile:
        print("profiling", flush=True)
        profile_caducee(instance, args.messages, results)
    results.storage = report.storage(instance.dir / "data" / "caducee.db", reference.inbox if reference else None)
    push_caducee(instance, args.messages, results)
    if reference is not None:
        push_dovecot(reference, instance.client_tls(), args.messages, results)
    built["pushed"] = 1  # the pushed messages are expunged again, but UIDNEXT moved on: this mailbox cannot grow
    state.write_text(json.dumps(built))


if __name__ == "__main__":
    sys.exit(main())
