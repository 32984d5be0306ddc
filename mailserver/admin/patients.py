"""Patients: registration with INS checks, status changes (opposition, closure).

Owns the rules of the `caducee patient` commands. Errors never repeat the INS or the identity traits.
"""

from __future__ import annotations

from datetime import date

from mailserver.errors import UsageError
from mailserver.store import Store
from mailserver.store.records import Patient
from policies.ins import check_ins, normalise_ins

SEXES = {"M": "M", "F": "F", "1": "M", "2": "F"}


def parse_birth_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError("the birth date must be written YYYY-MM-DD") from None


async def add_patient(
    store: Store,
    patient_domain: str,
    ins: str,
    *,
    birth_name: str,
    first_names: str,
    birth_date: str,
    sex: str,
    birth_place: str | None = None,
    email: str | None = None,
    actor: str = "admin",
) -> Patient:
    check = check_ins(ins.strip())
    if not check.valid:
        raise UsageError(f"invalid INS: {check.reason}")
    if sex.upper() not in SEXES:
        raise UsageError("sex must be M or F")
    if not birth_name.strip() or not first_names.strip():
        raise UsageError("the birth name and first names are required")
    if email is not None and "@" not in email:
        raise UsageError("the notification address is not an e-mail address")
    patient = await store.accounts.add_patient(
        normalise_ins(ins),
        patient_domain,
        birth_name=birth_name.strip(),
        first_names=first_names.strip(),
        birth_date=parse_birth_date(birth_date),
        sex=SEXES[sex.upper()],
        birth_place=birth_place,
        email=email,
    )
    await store.audit.record(actor, "patient.add", patient.address, "ok")
    return patient


async def set_status(store: Store, ins: str, status: str, *, actor: str = "admin") -> Patient:
    check = check_ins(ins.strip())
    if not check.valid:
        raise UsageError(f"invalid INS: {check.reason}")
    patient = await store.accounts.set_patient_status(normalise_ins(ins), status)
    await store.audit.record(actor, f"patient.{status}", patient.address, "ok")
    return patient
