"""A read-only FHIR R4 subset of the directory, shaped like the national directory's API (DOMAIN.md §4).

Owns the JSON of `Practitioner`, `PractitionerRole` and `Organization` resources and their searchset Bundles:
search parameters `name`, `identifier`, `mailbox-mss`, `mailbox-mss-type`, `_count`, with paging by a `next`
link (`_offset`). Mailboxes are `telecom` entries carrying the ANS mailbox-metadata extension (type,
description, service, listeRouge). Authentication is the caller's (see `directory.http`). It never writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from directory.holders import HolderQuery, Page, find_organisations, find_practitioners, find_roles
from directory.records import MailboxEntry, Organisation, Practitioner, Viewer

FHIR_JSON = "application/fhir+json"
RPPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"  # DOMAIN.md §4: national ids of professionals
STRUCTURE_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"  # national ids of structures
MAILBOX_METADATA = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata"
MAILBOX_TYPE_SYSTEM = "https://mos.esante.gouv.fr/NOS/JDV_J139-TypeBAL-RASS/FHIR/JDV-J139-TypeBAL-RASS"
PROFESSION_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"
SPECIALITY_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"
DEFAULT_COUNT = 20
MAX_COUNT = 100

ViewerOf = Callable[[Request], Awaitable[Viewer | None]]


def _text(url: str, value: str) -> list[dict[str, Any]]:
    return [{"url": url, "valueString": value}] if value else []  # FHIR strings are never empty


def telecom(entry: MailboxEntry) -> dict[str, Any]:
    """A mailbox as a ContactPoint with the mailbox-metadata extension."""
    metadata = [
        {"url": "type", "valueCodeableConcept": {"coding": [{"system": MAILBOX_TYPE_SYSTEM, "code": entry.type}]}},
        *_text("description", entry.description),
        *_text("service", entry.service),
        {"url": "listeRouge", "valueBoolean": entry.liste_rouge},
    ]
    return {"system": "email", "value": entry.address, "extension": [{"url": MAILBOX_METADATA, "extension": metadata}]}


def _coding(system: str, code: str, display: str) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def fhir_id(value: str) -> str:
    """A FHIR id ([A-Za-z0-9.-]{1,64}) for a national id, or a digest when the id has other characters."""
    if value and len(value) <= 64 and all(c.isascii() and (c.isalnum() or c in "-.") for c in value):
        return value
    return hashlib.blake2b(value.encode(), digest_size=16).hexdigest()


def practitioner_resource(person: Practitioner, boxes: list[MailboxEntry]) -> dict[str, Any]:
    name: dict[str, Any] = {}
    if person.family_name:
        name["family"] = person.family_name
    if person.given_name:
        name["given"] = [person.given_name]
    if person.civility:
        name["prefix"] = [person.civility]
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": fhir_id(person.national_id),
        "identifier": [{"system": RPPS_SYSTEM, "value": person.national_id}],
    }
    if name:
        resource["name"] = [name]
    if boxes:
        resource["telecom"] = [telecom(b) for b in boxes]
    if person.profession_code:
        resource["qualification"] = [
            {"code": _coding(PROFESSION_SYSTEM, person.profession_code, person.profession_label)}
        ]
    return resource


def organisation_resource(structure: Organisation, boxes: list[MailboxEntry]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": fhir_id(structure.national_id),
        "identifier": [{"system": STRUCTURE_SYSTEM, "value": structure.national_id}],
    }
    if structure.legal_name:
        resource["name"] = structure.legal_name
    if structure.trade_name:
        resource["alias"] = [structure.trade_name]
    if boxes:
        resource["telecom"] = [telecom(b) for b in boxes]
    address: dict[str, Any] = {}
    lines = [x for x in structure.address_lines if x]
    if lines:
        address["line"] = lines
    for key, value in (("postalCode", structure.postcode), ("city", structure.city), ("country", structure.country)):
        if value:
            address[key] = value
    if address:
        resource["address"] = [address]
    return resource


def role_id(address: str) -> str:
    return hashlib.blake2b(address.encode(), digest_size=16).hexdigest()


def role_resource(entry: MailboxEntry) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "PractitionerRole", "id": role_id(entry.address)}
    p, o = entry.practitioner, entry.organisation
    if p:
        resource["practitioner"] = {"reference": f"Practitioner/{fhir_id(p.national_id)}"}
        if p.profession_code:
            resource["code"] = [_coding(PROFESSION_SYSTEM, p.profession_code, p.profession_label)]
        if p.speciality_code:
            resource["specialty"] = [_coding(SPECIALITY_SYSTEM, p.speciality_code, p.speciality_label)]
    if o:
        resource["organization"] = {"reference": f"Organization/{fhir_id(o.national_id)}"}
    resource["telecom"] = [telecom(entry)]
    return resource


def bundle(
    request: Request, resources: list[dict[str, Any]], offset: int, count: int, has_more: bool
) -> dict[str, Any]:
    """A searchset Bundle with `self` and, when more matches exist, `next` links."""
    base = str(request.base_url).rstrip("/") + request.scope.get("root_path", "")
    links = [{"relation": "self", "url": str(request.url)}]
    if has_more:
        links.append({"relation": "next", "url": str(request.url.include_query_params(_offset=offset + count))})
    body: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if resources:  # FHIR JSON never carries an empty array
        body["entry"] = [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ]
    return body


def outcome(status: int, code: str, text: str) -> JSONResponse:
    body = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def _query(request: Request) -> HolderQuery | None:
    params = request.query_params
    try:
        count = int(params.get("_count", DEFAULT_COUNT))
        offset = int(params.get("_offset", 0))
    except ValueError:
        return None
    return HolderQuery(
        name=params.get("name", ""),
        identifier=params.get("identifier", ""),
        mailbox=params.get("mailbox-mss", ""),
        mailbox_type=params.get("mailbox-mss-type", ""),
        offset=max(0, offset),
        count=max(1, min(count, MAX_COUNT)),
    )


def fhir_routes(engine: AsyncEngine, viewer_of: ViewerOf) -> list[Route]:
    """Routes of the FHIR view, to mount at `/fhir`."""

    def search_endpoint(
        find: Callable[[AsyncEngine, HolderQuery, Viewer], Awaitable[Page]],
        build: Callable[[Any], dict[str, Any]],
    ) -> Callable[[Request], Awaitable[JSONResponse]]:
        async def endpoint(request: Request) -> JSONResponse:
            viewer = await viewer_of(request)
            if viewer is None:
                return outcome(401, "login", "authentication required")
            query = _query(request)
            if query is None:
                return outcome(400, "invalid", "_count and _offset are integers")
            page = await find(engine, query, viewer)
            resources = [build(item) for item in page.items]
            body = bundle(request, resources, query.offset, query.count, page.has_more)
            return JSONResponse(body, media_type=FHIR_JSON)

        return endpoint

    return [
        Route("/Practitioner", search_endpoint(find_practitioners, lambda i: practitioner_resource(*i))),
        Route("/Organization", search_endpoint(find_organisations, lambda i: organisation_resource(*i))),
        Route("/PractitionerRole", search_endpoint(find_roles, role_resource)),
    ]
