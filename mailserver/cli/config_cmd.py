"""`caducee config get|set|example` and `caducee check-config`."""

from __future__ import annotations

import argparse

from mailserver import config
from mailserver.cli.common import add_config_option


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("config", help="read and edit the configuration file (comments are kept)")
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    g = csub.add_parser("get", help="print the effective value of SECTION.KEY")
    add_config_option(g)
    g.add_argument("key", metavar="SECTION.KEY")
    g.set_defaults(func=_get)
    s = csub.add_parser("set", help="set SECTION.KEY to VALUE (TOML syntax for numbers, booleans, arrays)")
    add_config_option(s)
    s.add_argument("key", metavar="SECTION.KEY")
    s.add_argument("value", metavar="VALUE")
    s.set_defaults(func=_set)
    e = csub.add_parser("example", help="print the documented example configuration")
    e.set_defaults(func=_example)

    c = sub.add_parser("check-config", help="load and validate the configuration file")
    add_config_option(c)
    c.set_defaults(func=_check)


def _get(args: argparse.Namespace) -> int:
    print(config.format_value(config.get_value(args.config, args.key)))
    return 0


def _set(args: argparse.Namespace) -> int:
    config.set_value(args.config, args.key, args.value)
    return 0


def _example(args: argparse.Namespace) -> int:
    print(config.example(), end="")
    return 0


def _check(args: argparse.Namespace) -> int:
    config.load(args.config)
    print(f"{args.config}: OK")
    return 0
