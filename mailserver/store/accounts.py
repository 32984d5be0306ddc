"""Domains, mailboxes, credentials, delegations and patients.

Owns who exists and how they prove it. Addresses and types are immutable after creation. Passwords are
argon2id hashes, checked in a worker thread and in constant time, including for unknown addresses (a dummy
hash is verified so that timing does not reveal which addresses exist). Never returns or logs a hash.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mailserver.errors import AlreadyExists, NotFound, UsageError
from mailserver.store.engine import writer
from mailserver.store.records import (
    DEFAULT_FOLDERS,
    MAILBOX_TYPES,
    PATIENT_STATUSES,
    Delegation,
    Domain,
    Mailbox,
    Patient,
)
from mailserver.store.schema import credentials, delegations, domains, folders, mailboxes, patients

# OWASP 2024 minimum for argon2id: m=19 MiB, t=2, p=1.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = _HASHER.hash("caducee-timing-equaliser")
DELEGATION_RIGHTS = "lrswipkxtea"  # RFC 4314: full use of a shared mailbox


def _mailbox(row: object) -> Mailbox:
    m = row._mapping  # type: ignore[attr-defined]
    return Mailbox(m["id"], m["address"], m["type"], m["display_name"], m["national_id"], m["status"], m["created_at"])


class Accounts:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    # ------------------------------------------------------------------ domains
    async def ensure_domain(self, name: str, kind: str) -> Domain:
        name = name.lower()
        async with writer(self._engine).begin() as conn:
            row = (await conn.execute(select(domains).where(domains.c.name == name))).first()
            if row is None:
                res = await conn.execute(domains.insert().values(name=name, kind=kind, created_at=self._clock()))
                pk = res.inserted_primary_key
                assert pk is not None
                return Domain(int(pk[0]), name, kind)
        return Domain(row.id, row.name, row.kind)

    async def list_domains(self) -> list[Domain]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(domains).order_by(domains.c.name))).all()
        return [Domain(r.id, r.name, r.kind) for r in rows]

    # ------------------------------------------------------------------ mailboxes
    async def create_mailbox(
        self,
        address: str,
        type_: str,
        *,
        display_name: str = "",
        national_id: str | None = None,
        conn: AsyncConnection | None = None,
    ) -> Mailbox:
        """Create a mailbox and its default folders. The address's domain must be one of ours."""
        if type_ not in MAILBOX_TYPES:
            raise UsageError(f"unknown mailbox type {type_!r} (expected one of {', '.join(MAILBOX_TYPES)})")
        address = address.strip().lower()
        local, at, domain_name = address.rpartition("@")
        if not at or not local or not domain_name:
            raise UsageError(f"not an e-mail address: {address!r}")
        if conn is None:
            async with writer(self._engine).begin() as own:
                return await self.create_mailbox(
                    address, type_, display_name=display_name, national_id=national_id, conn=own
                )
        dom = (await conn.execute(select(domains).where(domains.c.name == domain_name))).first()
        if dom is None:
            raise NotFound(f"domain {domain_name} is not served here")
        if (type_ == "PAT") != (dom.kind == "patient"):
            raise UsageError(f"a {type_} mailbox cannot live in the {dom.kind} domain {domain_name}")
        now = self._clock()
        try:
            async with conn.begin_nested():
                res = await conn.execute(
                    mailboxes.insert().values(
                        address=address,
                        domain_id=dom.id,
                        type=type_,
                        display_name=display_name,
                        national_id=national_id,
                        status="active",
                        created_at=now,
                    )
                )
        except SqlIntegrityError:
            raise AlreadyExists(f"mailbox {address} exists already") from None
        pk = res.inserted_primary_key
        assert pk is not None
        mailbox_id = int(pk[0])
        uidvalidity = int(now.timestamp())
        await conn.execute(
            folders.insert(),
            [
                dict(
                    mailbox_id=mailbox_id,
                    name=name,
                    special_use=use,
                    uidvalidity=uidvalidity + i,
                    uidnext=1,
                    highestmodseq=1,
                    subscribed=True,
                    created_at=now,
                )
                for i, (name, use) in enumerate(DEFAULT_FOLDERS)
            ],
        )
        return Mailbox(mailbox_id, address, type_, display_name, national_id, "active", now)

    async def get_mailbox(self, address: str) -> Mailbox | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(mailboxes).where(mailboxes.c.address == address.lower()))).first()
        return None if row is None else _mailbox(row)

    async def list_mailboxes(self, *, type_: str | None = None) -> list[Mailbox]:
        query = select(mailboxes).order_by(mailboxes.c.address)
        if type_ is not None:
            query = query.where(mailboxes.c.type == type_)
        async with self._engine.connect() as conn:
            return [_mailbox(r) for r in (await conn.execute(query)).all()]

    async def mailboxes_of_person(self, national_id: str) -> list[Mailbox]:
        """The PER mailboxes of a professional (by national id) and the ORG/CAB mailboxes delegated to them."""
        async with self._engine.connect() as conn:
            own = (await conn.execute(select(mailboxes).where(mailboxes.c.national_id == national_id))).all()
            ids = [r.id for r in own]
            shared = (
                (
                    await conn.execute(
                        select(mailboxes)
                        .join(delegations, delegations.c.mailbox_id == mailboxes.c.id)
                        .where(delegations.c.grantee_id.in_(ids))
                    )
                ).all()
                if ids
                else []
            )
        return [_mailbox(r) for r in [*own, *shared]]

    # ------------------------------------------------------------------ credentials
    async def set_password(self, address: str, password: str) -> None:
        if len(password) < 12:
            raise UsageError("a password needs at least 12 characters")
        digest = await asyncio.to_thread(_HASHER.hash, password)
        async with writer(self._engine).begin() as conn:
            mid = await self._mailbox_id(conn, address)
            await conn.execute(credentials.delete().where(credentials.c.mailbox_id == mid))
            await conn.execute(
                credentials.insert().values(mailbox_id=mid, password_hash=digest, updated_at=self._clock())
            )

    async def check_password(self, address: str, password: str) -> Mailbox | None:
        """The mailbox if `password` is right; None otherwise. Same cost whether or not the address exists."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(mailboxes, credentials.c.password_hash)
                    .join(credentials, credentials.c.mailbox_id == mailboxes.c.id)
                    .where(mailboxes.c.address == address.strip().lower())
                )
            ).first()
        digest = row.password_hash if row is not None else _DUMMY_HASH
        ok: bool
        try:
            ok = await asyncio.to_thread(_HASHER.verify, digest, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None or row.status != "active":
            return None
        return _mailbox(row)

    # ------------------------------------------------------------------ delegations
    async def delegate(self, grantee: str, mailbox: str, rights: str = DELEGATION_RIGHTS) -> Delegation:
        async with writer(self._engine).begin() as conn:
            gid = await self._mailbox_id(conn, grantee)
            target = (await conn.execute(select(mailboxes).where(mailboxes.c.address == mailbox.lower()))).first()
            if target is None:
                raise NotFound(f"no mailbox {mailbox}")
            if target.type not in ("ORG", "CAB"):
                raise UsageError("only ORG and CAB mailboxes are shared by delegation")
            await conn.execute(
                delegations.delete().where((delegations.c.grantee_id == gid) & (delegations.c.mailbox_id == target.id))
            )
            await conn.execute(
                delegations.insert().values(
                    grantee_id=gid, mailbox_id=target.id, rights=rights, created_at=self._clock()
                )
            )
        return Delegation(grantee.lower(), mailbox.lower(), rights)

    async def delegations_of(self, grantee: str) -> list[Delegation]:
        g = mailboxes.alias("g")
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        g.c.address.label("grantee"),
                        mailboxes.c.address.label("mailbox"),
                        delegations.c.rights,
                    )
                    .join(g, g.c.id == delegations.c.grantee_id)
                    .join(mailboxes, mailboxes.c.id == delegations.c.mailbox_id)
                    .where(g.c.address == grantee.lower())
                )
            ).all()
        return [Delegation(r.grantee, r.mailbox, r.rights) for r in rows]

    # ------------------------------------------------------------------ patients
    async def add_patient(
        self,
        ins: str,
        patient_domain: str,
        *,
        birth_name: str,
        first_names: str,
        birth_date: date,
        sex: str,
        birth_place: str | None = None,
        email: str | None = None,
    ) -> Patient:
        address = f"{ins}@{patient_domain.lower()}"
        async with writer(self._engine).begin() as conn:
            existing = (await conn.execute(select(patients.c.ins).where(patients.c.ins == ins))).first()
            if existing is not None:
                raise AlreadyExists("a patient with this INS exists already")
            box = await self.create_mailbox(address, "PAT", display_name=f"{first_names} {birth_name}", conn=conn)
            await conn.execute(
                patients.insert().values(
                    mailbox_id=box.id,
                    ins=ins,
                    birth_name=birth_name,
                    first_names=first_names,
                    birth_date=birth_date,
                    sex=sex,
                    birth_place=birth_place,
                    email=email,
                    status="active",
                    status_changed_at=self._clock(),
                )
            )
        return Patient(box.id, box.address, ins, birth_name, first_names, birth_date, sex, birth_place, email, "active")

    async def get_patient(self, ins: str) -> Patient | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(patients, mailboxes.c.address)
                    .join(mailboxes, mailboxes.c.id == patients.c.mailbox_id)
                    .where(patients.c.ins == ins)
                )
            ).first()
        return None if row is None else _patient(row)

    async def list_patients(self) -> list[Patient]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(patients, mailboxes.c.address)
                    .join(mailboxes, mailboxes.c.id == patients.c.mailbox_id)
                    .order_by(patients.c.ins)
                )
            ).all()
        return [_patient(r) for r in rows]

    async def set_patient_status(self, ins: str, status: str) -> Patient:
        if status not in PATIENT_STATUSES:
            raise UsageError(f"unknown patient status {status!r}")
        async with writer(self._engine).begin() as conn:
            res = await conn.execute(
                update(patients).where(patients.c.ins == ins).values(status=status, status_changed_at=self._clock())
            )
            if res.rowcount == 0:
                raise NotFound("no patient with this INS")
        patient = await self.get_patient(ins)
        assert patient is not None
        return patient

    async def _mailbox_id(self, conn: AsyncConnection, address: str) -> int:
        mid = (await conn.execute(select(mailboxes.c.id).where(mailboxes.c.address == address.lower()))).scalar()
        if mid is None:
            raise NotFound(f"no mailbox {address.lower()}")
        return int(mid)


def _patient(row: object) -> Patient:
    m = row._mapping  # type: ignore[attr-defined]
    return Patient(
        m["mailbox_id"],
        m["address"],
        m["ins"],
        m["birth_name"],
        m["first_names"],
        m["birth_date"],
        m["sex"],
        m["birth_place"],
        m["email"],
        m["status"],
    )
