"""Professional mailboxes: creation with their immutable address and type, passwords, delegations.

Owns the checks of `caducee mailbox`. Every change is written to the audit trace (never a password).
"""

from __future__ import annotations

import re

from directory.local import upsert_local_mailbox
from directory.records import LocalMailbox
from mailserver.errors import UsageError
from mailserver.store import Store
from mailserver.store.records import PROFESSIONAL_TYPES, Delegation, Mailbox

_RPPS = re.compile(r"[0-9]{11}")
_PROFESSION = re.compile(r"[0-9]{2}")
_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")  # RFC 5322 dot-atom


async def add_mailbox(
    store: Store,
    address: str,
    type_: str,
    *,
    name: str = "",
    rpps: str | None = None,
    password: str | None = None,
    profession: str = "",
    actor: str = "admin",
) -> Mailbox:
    type_ = type_.upper()
    if type_ not in PROFESSIONAL_TYPES:
        raise UsageError(
            f"mailbox type must be one of {', '.join(PROFESSIONAL_TYPES)} (patients: `caducee patient add`)"
        )
    local = address.strip().lower().rpartition("@")[0]
    if not _LOCAL_PART.fullmatch(local):
        raise UsageError(f"{address!r} is not a valid mailbox address")
    national_id = None
    if rpps is not None:
        if not _RPPS.fullmatch(rpps):
            raise UsageError("an RPPS number has 11 digits")
        national_id = "8" + rpps
    if type_ == "PER" and national_id is None:
        raise UsageError("a PER mailbox belongs to one professional: give --rpps")
    if profession and not _PROFESSION.fullmatch(profession):
        raise UsageError("a profession code (TRE_G15) has 2 digits, e.g. 10 Médecin, 21 Pharmacien")
    box = await store.accounts.create_mailbox(address, type_, display_name=name, national_id=national_id)
    # Local mailboxes are in the directory at once (searchable, exported to the national directory).
    await upsert_local_mailbox(
        store.engine,
        LocalMailbox(box.address, type_, description=name, national_id=national_id, profession_code=profession),
    )
    if password is not None:
        await store.accounts.set_password(box.address, password)
    await store.audit.record(actor, "mailbox.add", box.address, "ok", {"type": type_})
    return box


async def set_password(store: Store, address: str, password: str, *, actor: str = "admin") -> None:
    await store.accounts.set_password(address, password)
    await store.audit.record(actor, "mailbox.passwd", address.lower(), "ok")


async def delegate(store: Store, grantee: str, mailbox: str, *, actor: str = "admin") -> Delegation:
    person = await store.accounts.get_mailbox(grantee)
    if person is None or person.type != "PER":
        raise UsageError("delegations are granted to a professional's PER mailbox")
    result = await store.accounts.delegate(grantee, mailbox)
    await store.audit.record(actor, "mailbox.delegate", result.mailbox, "ok", {"grantee": result.grantee})
    return result
