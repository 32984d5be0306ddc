"""`caducee init`, `caducee serve`, `caducee migrate`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from mailserver import config, runtime
from mailserver.cli.common import add_config_option


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="create a working single-machine instance in DIR")
    p.add_argument("directory", metavar="DIR", type=Path)
    p.add_argument("--domain", required=True, help="mail domain of the professionals (e.g. ch-exemple.fr)")
    p.add_argument("--hostname", default="", help="host name of this server (default: mail.DOMAIN)")
    p.add_argument("--patient-domain", default="", help="patients' domain (default: patient.DOMAIN)")
    p.add_argument("--organisation", default="", help="legal name of the operator (certificate O=)")
    p.add_argument("--structure-id", default="", help="national structure id, e.g. 1+FINESS (certificate OU=)")
    p.set_defaults(func=_init)

    s = sub.add_parser("serve", help="run every configured listener in the foreground")
    add_config_option(s)
    s.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes sharing the ports")
    s.set_defaults(func=_serve)

    d = sub.add_parser("demo", help="create (once) and run the demo instance for demo.caducee.test")
    d.add_argument("directory", metavar="DIR", type=Path, nargs="?", default=Path("demo"))
    d.set_defaults(func=_demo)

    m = sub.add_parser("migrate", help="bring the database schema up to date")
    add_config_option(m)
    m.set_defaults(func=_migrate)


def _init(args: argparse.Namespace) -> int:
    from mailserver.admin.instance import InstanceRequest, create_instance  # loads the PKI only when needed

    request = InstanceRequest(
        args.directory, args.domain, args.hostname, args.patient_domain, args.organisation, args.structure_id
    )
    created = asyncio.run(create_instance(request, runtime.migrate, runtime.open_store))
    inst = created.settings.instance
    print(f"Instance created in {args.directory} for {inst.domain} (patients: {inst.patient_domain}).")
    print(f"Configuration: {created.config_path}")
    print(f"Administrator: {created.admin_address}  password: {created.admin_password}")
    print("  (shown once; change it with `caducee mailbox passwd`)")
    print("\nDNS records to publish:")
    for record in created.dns_records:
        print(f"  {record}")
    print(f"\nStart it with: caducee serve -c {created.config_path}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from mailserver.admin import demo

    prepared = asyncio.run(demo.prepare(args.directory, runtime.migrate, runtime.open_store))
    print(demo.describe(prepared), flush=True)
    return runtime.serve(prepared.settings, str(prepared.config_path))


def _serve(args: argparse.Namespace) -> int:
    settings = config.load(args.config)
    if args.workers < 1:
        from mailserver.errors import UsageError

        raise UsageError("--workers must be at least 1")
    return runtime.serve(settings, args.config, args.workers)


def _migrate(args: argparse.Namespace) -> int:
    asyncio.run(runtime.migrate(config.load(args.config)))
    print("database schema is current")
    return 0
