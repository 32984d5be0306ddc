"""The demo instance behind `make demo`: domain demo.caducee.test, a few professionals and one patient.

Owns the demo's fixed, documented credentials (a demo only: never use them elsewhere). Creating the demo
twice is harmless: an existing instance folder is reused as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from mailserver import config
from mailserver.admin import mailboxes, patients
from mailserver.admin.instance import InstanceRequest, create_instance
from mailserver.config import Settings
from mailserver.store import Store

DOMAIN = "demo.caducee.test"
PASSWORD = "caducee-demo-2026"  # noqa: S105 - the demo's published password
PROFESSIONALS = (
    # address, type, display name, RPPS
    (f"dr.martin@{DOMAIN}", "PER", "Dr Hélène Martin (cardiologie)", "10003456789"),
    (f"dr.bernard@{DOMAIN}", "PER", "Dr Paul Bernard (médecine générale)", "10009876543"),
    (f"cardiologie@{DOMAIN}", "ORG", "Service de cardiologie", None),
    (f"dpi@{DOMAIN}", "APP", "Dossier patient informatisé", None),
)
PATIENT_INS = "279035121518989"  # the national test identity (DOMAIN.md §7)


@dataclass(frozen=True)
class Demo:
    settings: Settings
    config_path: Path
    created: bool


async def prepare(
    directory: Path, migrate: Callable[[Settings], Awaitable[None]], open_store: Callable[[Settings], Store]
) -> Demo:
    config_path = directory / "caducee.toml"
    if config_path.exists():
        settings = config.load(config_path)
        await migrate(settings)
        return Demo(settings, config_path, False)
    created = await create_instance(
        InstanceRequest(directory, DOMAIN, organisation="Caducee Demo", structure_id="1750000001"),
        migrate,
        open_store,
    )
    store = open_store(created.settings)
    try:
        for address, type_, name, rpps in PROFESSIONALS:
            await mailboxes.add_mailbox(store, address, type_, name=name, rpps=rpps, password=PASSWORD)
        await mailboxes.delegate(store, f"dr.martin@{DOMAIN}", f"cardiologie@{DOMAIN}")
        await patients.add_patient(
            store,
            created.settings.instance.patient_domain,
            PATIENT_INS,
            birth_name="DUPONT",
            first_names="Marie Louise",
            birth_date="1979-03-05",
            sex="F",
            email="marie.dupont@example.org",
        )
        await store.accounts.set_password(f"{PATIENT_INS}@{created.settings.instance.patient_domain}", PASSWORD)
    finally:
        await store.close()
    return Demo(created.settings, created.config_path, True)


def describe(demo: Demo) -> str:
    s = demo.settings
    anchor = config.resolve_path(s, s.trust.anchors[0])
    lines = [
        f"Caducée demo for {s.instance.domain} (instance folder: {demo.config_path.parent})",
        "",
        "Point a mail client at:",
        f"  IMAP        {s.imap.imap}  (STARTTLS)     IMAPS       {s.imap.imaps}  (TLS)",
        f"  Submission  {s.smtp.submission}  (STARTTLS)     Submissions {s.smtp.submissions}  (TLS)",
        f"  MX (operators, mutual TLS) {s.smtp.mx}      Web {s.web.https}",
        f"  Trust this development CA: {anchor}",
        "",
        f"Accounts (password for all: {PASSWORD}):",
    ]
    lines += [f"  {address:32} {type_}  {name}" for address, type_, name, _ in PROFESSIONALS]
    lines.append(f"  {PATIENT_INS}@{s.instance.patient_domain}  PAT  test patient Marie Louise DUPONT")
    lines += ["", "Stop with Ctrl-C. Start again with `make demo`; remove the folder to start afresh."]
    return "\n".join(lines)
