"""The `caducee` command: parse arguments, call the runtime or a service, print the outcome.

Owns argument parsing and the mapping of errors to exit statuses. No logic lives here: each command group
module registers its sub-commands and calls one function of the runtime, `admin` or `crypto`.
Errors are printed as one line without a traceback; the exit status comes from the error class.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mailserver.cli import groups
from mailserver.errors import CaduceeError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caducee",
        description="Caducée: a secure health-messaging operator (SMTP, IMAP, directory, patient webmail).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in groups.REGISTRY:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except CaduceeError as exc:
        print(f"caducee: error: {exc.client_text}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return int(result or 0)
