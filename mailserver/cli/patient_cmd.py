"""`caducee patient add|list|oppose|close`."""

from __future__ import annotations

import argparse

from mailserver.admin import patients
from mailserver.cli.common import add_config_option
from mailserver.cli.running import with_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("patient", help="patients and their mailboxes <INS>@<patient domain>")
    psub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = psub.add_parser("add", help="register a patient with a qualified INS")
    add_config_option(a)
    a.add_argument("ins", metavar="INS", help="15-character INS (NIR or NIA with its key)")
    a.add_argument("--birth-name", required=True)
    a.add_argument("--first-names", required=True)
    a.add_argument("--birth-date", required=True, help="YYYY-MM-DD")
    a.add_argument("--sex", required=True, help="M or F")
    a.add_argument("--birth-place", help="INSEE code of the birth place")
    a.add_argument("--email", help="personal address for notifications (no health content is sent there)")
    a.set_defaults(func=_add)
    ls = psub.add_parser("list", help="list patients")
    add_config_option(ls)
    ls.set_defaults(func=_list)
    for status, verb in (("opposed", "oppose"), ("closed", "close"), ("active", "reopen")):
        s = psub.add_parser(verb, help=f"mark the patient's space {status}")
        add_config_option(s)
        s.add_argument("ins", metavar="INS")
        s.set_defaults(func=_status, status=status)


def _add(args: argparse.Namespace) -> int:
    patient = with_store(
        args.config,
        lambda settings, store: patients.add_patient(
            store,
            settings.instance.patient_domain,
            args.ins,
            birth_name=args.birth_name,
            first_names=args.first_names,
            birth_date=args.birth_date,
            sex=args.sex,
            birth_place=args.birth_place,
            email=args.email,
        ),
    )
    print(f"created patient mailbox {patient.address}")
    return 0


def _list(args: argparse.Namespace) -> int:
    for p in with_store(args.config, lambda _s, store: store.accounts.list_patients()):
        print(f"{p.address}\t{p.status}\t{p.birth_name}\t{p.first_names}\t{p.birth_date.isoformat()}\t{p.sex}")
    return 0


def _status(args: argparse.Namespace) -> int:
    patient = with_store(args.config, lambda _s, store: patients.set_status(store, args.ins, args.status))
    print(f"{patient.address} is now {patient.status}")
    return 0
