"""`caducee queue list|retry|delete`: look at and act on the outbound queue.

Parses arguments and prints; the spool (`mailserver.store.queue` through `mailserver.queue.service`) does the work.
A retry makes recipients due now: a running server's queue runner picks them up within its poll interval.
"""

from __future__ import annotations

import argparse

from mailserver.cli.common import add_config_option
from mailserver.cli.running import with_store
from mailserver.errors import UsageError
from mailserver.queue.service import open_spool


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("queue", help="the outbound queue (mail for other operators)")
    qsub = p.add_subparsers(dest="queue_action", metavar="ACTION", required=True)
    ls = qsub.add_parser("list", help="recipients waiting for delivery")
    add_config_option(ls)
    ls.set_defaults(func=_list)
    r = qsub.add_parser("retry", help="try a recipient (or all) now")
    add_config_option(r)
    r.add_argument("id", metavar="ID", type=int, nargs="?", help="recipient id from `caducee queue list`")
    r.add_argument("--all", action="store_true", help="every recipient of the queue")
    r.set_defaults(func=_retry)
    d = qsub.add_parser("delete", help="remove a recipient from the queue (no DSN is sent)")
    add_config_option(d)
    d.add_argument("id", metavar="ID", type=int)
    d.set_defaults(func=_delete)


def _list(args: argparse.Namespace) -> int:
    entries = with_store(args.config, lambda settings, store: open_spool(settings, store).pending())
    if not entries:
        print("the queue is empty")
        return 0
    print("ID\tRECIPIENT\tFROM\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
    for e in entries:
        state = "sending" if e.leased else f"{e.next_attempt_at:%Y-%m-%d %H:%M:%S}Z"
        print(f"{e.id}\t{e.address}\t<{e.mail_from}>\t{e.attempts}\t{state}\t{e.last_error or ''}")
    return 0


def _retry(args: argparse.Namespace) -> int:
    if (args.id is None) == (not args.all):
        raise UsageError("give a recipient ID or --all")
    count = with_store(args.config, lambda settings, store: open_spool(settings, store).retry_now(args.id))
    print(f"{count} recipient(s) due now")
    return 0


def _delete(args: argparse.Namespace) -> int:
    entry = with_store(args.config, lambda settings, store: open_spool(settings, store).remove(args.id))
    print(f"removed {entry.address} (from <{entry.mail_from}>) from the queue")
    return 0
