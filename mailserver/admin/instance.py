"""`caducee init`: a working single-machine instance in one folder.

Owns the layout of an instance folder: `caducee.toml`, `data/caducee.db` (migrated SQLite), `keys/blob.keys`,
`pki/` (development CA, server certificate, DKIM key) and the first administrator's credentials. It never
overwrites an existing instance, and it prints (never logs) the one-time administrator password.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mailserver import config
from mailserver.config import Settings
from mailserver.config.render import write_atomically
from mailserver.crypto.dkim_keys import generate_dkim_key
from mailserver.crypto.pki import DevelopmentPKI
from mailserver.errors import AlreadyExists, UsageError
from mailserver.store import Store
from mailserver.store.blobs import generate_key_file


@dataclass(frozen=True)
class InstanceRequest:
    directory: Path
    domain: str
    hostname: str = ""
    patient_domain: str = ""
    organisation: str = ""
    structure_id: str = ""
    ports: dict[str, str] | None = None  # listener key -> address, to override the development defaults


@dataclass(frozen=True)
class CreatedInstance:
    config_path: Path
    settings: Settings
    admin_address: str
    admin_password: str
    dns_records: list[str]


def _check_domain(name: str, what: str) -> str:
    name = name.strip().lower().rstrip(".")
    labels = name.split(".")
    if len(labels) < 2 or not all(lbl and len(lbl) < 64 and lbl.replace("-", "").isalnum() for lbl in labels):
        raise UsageError(f"{what} {name!r} is not a domain name")
    return name


def dns_records(settings: Settings, dkim_txt: str) -> list[str]:
    """The records to publish for this instance (MX, DKIM, and RFC 6186 SRV records for clients)."""
    inst = settings.instance
    host = inst.hostname
    records = []
    for domain in (inst.domain, inst.patient_domain):
        records.append(f"{domain}. IN MX 10 {host}.")
    # RFC 1035 §3.3.14: one character-string holds 255 octets at most; a 2048-bit key needs several.
    chunks = " ".join(f'"{dkim_txt[i : i + 255]}"' for i in range(0, len(dkim_txt), 255))
    records.append(f"{settings.dkim.selector}._domainkey.{inst.domain}. IN TXT ( {chunks} )")
    for service, port in (
        ("_submission._tcp", 587),
        ("_submissions._tcp", 465),
        ("_imap._tcp", 143),
        ("_imaps._tcp", 993),
    ):
        records.append(f"{service}.{inst.domain}. IN SRV 0 1 {port} {host}.")  # RFC 6186 §3
    return records


async def create_instance(
    request: InstanceRequest,
    migrate: Callable[[Settings], Awaitable[None]],
    open_store: Callable[[Settings], Store],
) -> CreatedInstance:
    directory = request.directory
    domain = _check_domain(request.domain, "the domain")
    hostname = _check_domain(request.hostname or f"mail.{domain}", "the host name")
    patient_domain = _check_domain(request.patient_domain or f"patient.{domain}", "the patient domain")
    organisation = request.organisation or f"Operateur {domain}"
    structure_id = request.structure_id or "1000000000"
    config_path = directory / "caducee.toml"
    if config_path.exists():
        raise AlreadyExists(f"{config_path} exists already: this folder holds an instance")
    directory.mkdir(parents=True, exist_ok=True)
    values: dict[str, dict[str, object]] = {
        "instance": dict(
            domain=domain,
            hostname=hostname,
            patient_domain=patient_domain,
            organisation=organisation,
            structure_id=structure_id,
        ),
        "log": dict(format="text"),
    }
    for key, address in (request.ports or {}).items():
        section, _, name = key.partition(".")
        values.setdefault(section, {})[name] = address
    write_atomically(config_path, config.render(values))
    settings = config.load(config_path)

    generate_key_file(config.resolve_path(settings, settings.store.blob_keys))
    pki = DevelopmentPKI.create(directory / "pki", organisation=organisation, structure_id=structure_id)
    pki.issue_server(hostname, organisation=organisation, structure_id=structure_id, name="server")
    dkim_txt = generate_dkim_key(config.resolve_path(settings, settings.dkim.private_key))

    await migrate(settings)
    store = open_store(settings)
    try:
        await store.accounts.ensure_domain(domain, "professional")
        await store.accounts.ensure_domain(patient_domain, "patient")
        admin = f"postmaster@{domain}"
        password = secrets.token_urlsafe(18)
        await store.accounts.create_mailbox(admin, "ORG", display_name="Postmaster")
        await store.accounts.set_password(admin, password)
        await store.audit.record("init", "instance.create", domain, "ok", {"hostname": hostname})
    finally:
        await store.close()
    return CreatedInstance(config_path, settings, admin, password, dns_records(settings, dkim_txt))


async def add_mailboxes(store: Store, specs: Sequence[tuple[str, str, str, str | None]]) -> None:
    """Create (address, type, display name, password) mailboxes; used by the demo."""
    for address, type_, name, password in specs:
        await store.accounts.create_mailbox(address, type_, display_name=name)
        if password:
            await store.accounts.set_password(address, password)
