"""`caducee trust import|refresh|list|check`: the MSSanté whitelist (DOMAIN.md §1).

Parses arguments, calls `mailserver.delivery.trust`, prints the outcome (what changed: domains and DNs added or
removed). A refused file leaves the list in force; the error says why and the command exits 1.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable
from pathlib import Path

from mailserver.cli.common import add_config_option
from mailserver.cli.running import with_store
from mailserver.config import Settings, resolve_path
from mailserver.crypto.names import normalise_dn, subject_dn_string
from mailserver.crypto.pem_files import read_certificates
from mailserver.delivery.trust import lists
from mailserver.errors import CaduceeError
from mailserver.store import Store, utcnow
from mailserver.store.trust import TrustEntry, TrustList, TrustStore

SHOWN = 20  # changes listed in full; beyond, only counted


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("trust", help="the MSSante trust space (national whitelist)")
    tsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    i = tsub.add_parser("import", help="import a whitelist file (national XML format)")
    add_config_option(i)
    i.add_argument("file", type=Path, metavar="FILE.xml")
    i.add_argument("--force", action="store_true", help="accept a list older than the one in force")
    i.set_defaults(func=_import)
    r = tsub.add_parser("refresh", help="fetch trust.url (checked against trust.checksum_url) and import it")
    add_config_option(r)
    r.set_defaults(func=_refresh)
    ls = tsub.add_parser("list", help="the list in force, its history, and optionally every entry")
    add_config_option(ls)
    ls.add_argument("--entries", action="store_true", help="print every (domain, DN) entry")
    ls.set_defaults(func=_list)
    c = tsub.add_parser("check", help="whether a domain is in the trust space, and which DNs may send for it")
    add_config_option(c)
    c.add_argument("domain")
    c.set_defaults(func=_check)


def _import(args: argparse.Namespace) -> int:
    outcome = with_store(
        args.config, lambda _s, store: _audited(store, lists.import_file(_trust(store), args.file, force=args.force))
    )
    _print_outcome(outcome, args.file.name)
    return 0


def _refresh(args: argparse.Namespace) -> int:
    def go(settings: Settings, store: Store) -> Awaitable[lists.ImportOutcome]:
        return _audited(store, lists.refresh(_trust(store), settings.trust.url, settings.trust.checksum_url))

    outcome = with_store(args.config, go)
    _print_outcome(outcome, "trust.url")
    return 0


async def _audited(store: Store, job: Awaitable[lists.ImportOutcome]) -> lists.ImportOutcome:
    try:
        outcome = await job
    except CaduceeError as exc:
        await store.audit.record("cli", "trust.import", "whitelist", "refused", {"reason": exc.log_detail})
        raise
    detail: dict[str, object] = {"sha256": outcome.sha256, "unchanged": outcome.unchanged}
    if outcome.change is not None:
        c = outcome.change
        detail |= {
            "source": c.list.source,
            "entries": c.list.entries,
            "added_domains": len(c.added_domains),
            "removed_domains": len(c.removed_domains),
            "added_entries": len(c.added_entries),
            "removed_entries": len(c.removed_entries),
        }
    await store.audit.record("cli", "trust.import", "whitelist", "ok", detail)
    return outcome


def _print_outcome(outcome: lists.ImportOutcome, source: str) -> None:
    if outcome.change is None:
        current = outcome.current
        assert current is not None
        print(f"unchanged: {source} is the list in force (generated {current.generated_at}, sha256 {outcome.sha256})")
    else:
        c = outcome.change
        print(
            f"imported {c.list.entries} entries for {c.list.domains} domains from {c.list.source} "
            f"(generated {c.list.generated_at}, sha256 {c.list.sha256})"
        )
        print(
            f"domains: +{len(c.added_domains)} -{len(c.removed_domains)}; "
            f"DNs: +{len(c.added_entries)} -{len(c.removed_entries)}"
        )
        for label, items in (("+ domain", c.added_domains), ("- domain", c.removed_domains)):
            _print_some(label, list(items))
        for label, pairs in (("+ DN", c.added_entries), ("- DN", c.removed_entries)):
            _print_some(label, [f"{domain}\t{dn}" for domain, dn in pairs])
    if outcome.skipped:
        print(f"skipped {len(outcome.skipped)} unusable entries:")
        for problem in outcome.skipped[:SHOWN]:
            print(f"  {problem}")


def _print_some(label: str, items: list[str]) -> None:
    for item in items[:SHOWN]:
        print(f"{label}\t{item}")
    if len(items) > SHOWN:
        print(f"{label}\t... and {len(items) - SHOWN} more")


def _list(args: argparse.Namespace) -> int:
    async def go(_s: Settings, store: Store) -> tuple[list[TrustList], list[TrustEntry]]:
        trust = _trust(store)
        return await trust.history(), (await trust.entries() if args.entries else [])

    history, entries = with_store(args.config, go)
    if not history:
        print("no whitelist imported yet (caducee trust import FILE.xml, or caducee trust refresh)")
        return 0
    current = history[0]
    print(
        f"in force: {current.entries} entries for {current.domains} domains, generated {current.generated_at}, "
        f"imported {current.imported_at:%Y-%m-%d %H:%M:%S} UTC from {current.source} (sha256 {current.sha256})"
    )
    print("history:")
    for h in history:
        copy = "copy kept" if h.has_copy else "no copy"
        print(
            f"  #{h.id}\t{h.imported_at:%Y-%m-%d %H:%M}\t{h.generated_at}\t{h.entries} entries\t"
            f"domains +{h.added_domains} -{h.removed_domains}\tDNs +{h.added_entries} -{h.removed_entries}\t{copy}"
        )
    for e in entries:
        print(f"{e.domain}\t{e.dn}")
    return 0


def _check(args: argparse.Namespace) -> int:
    domain = args.domain.strip().rstrip(".").lower()

    async def go(settings: Settings, store: Store) -> tuple[Settings, list[TrustEntry]]:
        return settings, await _trust(store).entries(domain)

    settings, entries = with_store(args.config, go)
    own = _own_dn(settings) if domain in _own_domains(settings) else None
    if not entries and own is None:
        print(f"{domain} is not in the trust space")
        return 1
    print(f"{domain} is in the trust space; certificates that may send for it:")
    if own is not None:
        print(f"  {own}\t(this operator's own certificate)")
    for e in entries:
        if own is None or e.dn_key != normalise_dn(own):
            print(f"  {e.dn}")
    return 0


def _trust(store: Store) -> TrustStore:
    return TrustStore(store.engine, utcnow)


def _own_domains(settings: Settings) -> set[str]:
    domain = settings.instance.domain.lower()
    return {domain, (settings.instance.patient_domain or f"patient.{domain}").lower()}


def _own_dn(settings: Settings) -> str | None:
    try:
        return subject_dn_string(read_certificates(resolve_path(settings, settings.tls.certificate))[0])
    except CaduceeError:
        return None
