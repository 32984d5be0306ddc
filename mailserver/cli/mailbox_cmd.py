"""`caducee mailbox add|list|passwd|delegate`."""

from __future__ import annotations

import argparse

from mailserver.admin import mailboxes
from mailserver.cli.common import add_config_option
from mailserver.cli.running import read_password, with_store
from mailserver.errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("mailbox", help="professional mailboxes (PER, ORG, APP, CAB)")
    msub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = msub.add_parser("add", help="create a mailbox (its address and type never change)")
    add_config_option(a)
    a.add_argument("address")
    a.add_argument("--type", required=True, choices=["PER", "ORG", "APP", "CAB"])
    a.add_argument("--name", default="", help="display name")
    a.add_argument("--rpps", help="11-digit RPPS of the holder (required for PER)")
    a.add_argument("--profession", default="", help="TRE_G15 profession code for the directory (21: pharmacy)")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a.set_defaults(func=_add)
    ls = msub.add_parser("list", help="list mailboxes")
    add_config_option(ls)
    ls.add_argument("--type", choices=["PER", "ORG", "APP", "CAB", "PAT"])
    ls.set_defaults(func=_list)
    pw = msub.add_parser("passwd", help="set a mailbox password (local fallback to OIDC)")
    add_config_option(pw)
    pw.add_argument("address")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(func=_passwd)
    d = msub.add_parser("delegate", help="let a professional (PER mailbox) open an ORG or CAB mailbox")
    add_config_option(d)
    d.add_argument("grantee", metavar="PER_ADDRESS")
    d.add_argument("mailbox", metavar="SHARED_ADDRESS")
    d.set_defaults(func=_delegate)


def _add(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin)
    box = with_store(
        args.config,
        lambda _s, store: mailboxes.add_mailbox(
            store,
            args.address,
            args.type,
            name=args.name,
            rpps=args.rpps,
            password=password,
            profession=args.profession,
        ),
    )
    print(f"created {box.type} mailbox {box.address}")
    return 0


def _list(args: argparse.Namespace) -> int:
    boxes = with_store(args.config, lambda _s, store: store.accounts.list_mailboxes(type_=args.type))
    for box in boxes:
        print(f"{box.address}\t{box.type}\t{box.status}\t{box.display_name}")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin)
    if password is None:
        raise UsageError("give the password on standard input with --password-stdin")
    with_store(args.config, lambda _s, store: mailboxes.set_password(store, args.address, password))
    print(f"password of {args.address.lower()} changed")
    return 0


def _delegate(args: argparse.Namespace) -> int:
    d = with_store(args.config, lambda _s, store: mailboxes.delegate(store, args.grantee, args.mailbox))
    print(f"{d.grantee} may now open {d.mailbox} ({d.rights})")
    return 0
