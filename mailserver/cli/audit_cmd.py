"""`caducee audit verify|show`."""

from __future__ import annotations

import argparse

from mailserver.cli.common import add_config_option
from mailserver.cli.running import with_store
from mailserver.errors import IntegrityError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="the hash-chained audit trace")
    asub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    v = asub.add_parser("verify", help="check the hash chain; names the first broken entry")
    add_config_option(v)
    v.set_defaults(func=_verify)
    s = asub.add_parser("show", help="print the latest entries")
    add_config_option(s)
    s.add_argument("--target", help="only entries about this mailbox or object")
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=_show)


def _verify(args: argparse.Namespace) -> int:
    report = with_store(args.config, lambda _s, store: store.audit.verify())
    if report.first_broken is not None:
        raise IntegrityError(f"audit trace broken at entry {report.first_broken}: {report.reason}")
    print(f"audit trace intact: {report.entries} entries")
    return 0


def _show(args: argparse.Namespace) -> int:
    entries = with_store(args.config, lambda _s, store: store.audit.entries(target=args.target, limit=args.limit))
    for e in reversed(entries):
        print(f"{e.seq}\t{e.at.isoformat()}\t{e.actor}\t{e.action}\t{e.target}\t{e.result}\t{e.detail}")
    return 0
