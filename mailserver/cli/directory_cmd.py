"""`caducee directory import|search|export|show`: the practitioner directory from the command line.

Parses arguments, opens the store's engine from the configuration, calls one `directory` function and prints
the outcome. No logic lives here. The operator sees liste_rouge entries (flagged), as this operator's staff.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from directory.certificates import certificates_for
from directory.export import local_entries, write_extraction
from directory.extraction import ExtractionError
from directory.importer import import_extraction
from directory.records import LOCAL_VIEWER, MailboxEntry, Rejection, SearchQuery
from directory.schema import has_schema
from directory.search import get_by_address, search
from mailserver import config
from mailserver.cli.common import add_config_option
from mailserver.errors import NotFound, StoreUnavailable, UsageError
from mailserver.store.engine import create_engine, writer

T = TypeVar("T")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("directory", help="the practitioner directory: national import, search, export")
    dsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    i = dsub.add_parser("import", help="import the national extraction (the .txt file or its zip)")
    add_config_option(i)
    i.add_argument("file", metavar="FILE", type=Path)
    i.set_defaults(func=_import)

    s = dsub.add_parser("search", help="search entries (criteria are combined)")
    add_config_option(s)
    s.add_argument("--name", default="", help="name word prefixes, accents and case ignored")
    s.add_argument("--profession", default="", help="profession code (10) or label prefix (medecin)")
    s.add_argument("--speciality", default="", help="speciality code (SM54) or label prefix")
    s.add_argument("--city", default="", help="city prefix")
    s.add_argument("--postcode", default="", help="postcode prefix (75, 69003)")
    s.add_argument("--organisation", default="", help="organisation name word prefixes")
    s.add_argument("--address", default="", help="mailbox address prefix")
    s.add_argument("--type", default="", dest="mailbox_type", help="mailbox type: PER, ORG, APP or CAB")
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--offset", type=int, default=0)
    s.set_defaults(func=_search)

    e = dsub.add_parser("export", help="write this operator's mailboxes in the national extraction format")
    add_config_option(e)
    e.add_argument("file", metavar="FILE", nargs="?", type=Path, help="output file (default: standard output)")
    e.set_defaults(func=_export)

    w = dsub.add_parser("show", help="show the entry of one address (gone and liste_rouge entries included)")
    add_config_option(w)
    w.add_argument("address", metavar="ADDRESS")
    w.set_defaults(func=_show)


def _run(args: argparse.Namespace, action: Callable[[Any], Awaitable[T]]) -> T:
    settings = config.load(args.config)

    async def main() -> T:
        engine = create_engine(settings.store.url, settings.base_dir)
        try:
            if not await has_schema(engine):
                raise StoreUnavailable(
                    "the directory tables do not exist: run the database migrations (caducee init) first"
                )
            return await action(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _import(args: argparse.Namespace) -> int:
    def report(rejection: Rejection) -> None:
        print(f"{args.file.name}:{rejection.line_number}: rejected: {rejection.reason}", file=sys.stderr)

    try:
        summary = _run(
            args,
            lambda engine: import_extraction(
                writer(engine),  # BEGIN IMMEDIATE: each batch takes the write lock before it reads (WAL)
                args.file,
                clock=lambda: datetime.now(UTC),
                on_rejection=report,
            ),
        )
    except ExtractionError as exc:
        raise UsageError(str(exc)) from exc
    print(
        f"{summary.lines} lines: {summary.added} added, {summary.changed} changed, {summary.unchanged} unchanged, "
        f"{summary.removed} removed, {summary.rejected} rejected, {summary.duplicates} duplicate addresses, "
        f"{summary.kept_local} local entries kept"
    )
    return 0


def _search(args: argparse.Namespace) -> int:
    query = SearchQuery(
        name=args.name,
        profession=args.profession,
        speciality=args.speciality,
        city=args.city,
        postcode=args.postcode,
        organisation=args.organisation,
        address=args.address,
        mailbox_type=args.mailbox_type,
        limit=args.limit,
        offset=args.offset,
    )
    page = _run(args, lambda engine: search(engine, query, LOCAL_VIEWER))
    for entry in page.entries:
        print(_line(entry))
    if page.has_more:
        print(f"(more: --offset {page.offset + page.limit})")
    return 0


def _line(entry: MailboxEntry) -> str:
    p, o = entry.practitioner, entry.organisation
    parts = [entry.address, entry.type, entry.display_name]
    if p and (p.profession_label or p.speciality_label):
        parts.append(" / ".join(x for x in (p.profession_label, p.speciality_label) if x))
    if o:
        parts.append(" ".join(x for x in (o.legal_name, o.postcode, o.city) if x))
    if entry.liste_rouge:
        parts.append("[liste rouge]")
    return " | ".join(parts)


def _export(args: argparse.Namespace) -> int:
    entries = _run(args, local_entries)
    if args.file is None:
        write_extraction(entries, sys.stdout)
        return 0
    with args.file.open("w", encoding="utf-8", newline="\n") as out:
        count = write_extraction(entries, out)
    print(f"{count} mailboxes written to {args.file}")
    return 0


def _show(args: argparse.Namespace) -> int:
    async def show(engine: Any) -> tuple[MailboxEntry | None, list[Any]]:
        entry = await get_by_address(engine, args.address)
        certs = await certificates_for(engine, addresses=[args.address]) if entry else []
        return entry, certs

    entry, certs = _run(args, show)
    if entry is None:
        raise NotFound("no directory entry for this address")
    p, o = entry.practitioner, entry.organisation
    rows: list[tuple[str, object]] = [
        ("address", entry.address),
        ("type", entry.type),
        ("name", entry.display_name),
        ("description", entry.description),
        ("service", entry.service),
        ("source", entry.source),
        ("local", entry.is_local),
        ("liste rouge", entry.liste_rouge),
        ("gone since", entry.gone_at or ""),
    ]
    if p:
        rows += [
            ("practitioner", p.national_id),
            ("profession", f"{p.profession_code} {p.profession_label}"),
            ("speciality", f"{p.speciality_code} {p.speciality_label}"),
        ]
    if o:
        rows += [("organisation", f"{o.national_id} {o.legal_name}"), ("city", f"{o.postcode} {o.city}")]
    for c in certs:
        rows.append((f"certificate ({c.usage})", f"{c.subject} serial {c.serial} until {c.not_after:%Y-%m-%d}"))
    for key, value in rows:
        if value not in ("", None):
            print(f"{key:>24}: {value}")
    return 0
