"""The directory's HTTP JSON API and FHIR view, as a Starlette sub-application the web app mounts.

Owns the routes `GET /search`, `GET /mailboxes/{address}`, `GET /practitioners/{national_id}` and `/fhir/...`.
Every route requires authentication: the caller injects `authenticate(request)`, which returns the `Viewer`
of the request (this operator's staff and professionals see liste_rouge entries; patients and other operators
do not) or None, answered 401. Error bodies never echo what was asked for. It never writes.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from directory.fhir import fhir_routes
from directory.records import MailboxEntry, Practitioner, SearchQuery, Viewer
from directory.search import get_by_address, get_practitioner, search

Authenticate = Callable[[Request], "Viewer | Awaitable[Viewer | None] | None"]
UNAUTHORISED = {"error": "authentication required"}


def practitioner_json(p: Practitioner) -> dict[str, Any]:
    return {
        "national_id": p.national_id,
        "civility": p.civility,
        "family_name": p.family_name,
        "given_name": p.given_name,
        "profession": {"code": p.profession_code, "label": p.profession_label},
        "speciality": {"code": p.speciality_code, "label": p.speciality_label},
    }


def entry_json(entry: MailboxEntry) -> dict[str, Any]:
    o = entry.organisation
    return {
        "address": entry.address,
        "type": entry.type,
        "display_name": entry.display_name,
        "description": entry.description,
        "service": entry.service,
        "liste_rouge": entry.liste_rouge,
        "local": entry.is_local,
        "gone": entry.gone_at is not None,
        "practitioner": practitioner_json(entry.practitioner) if entry.practitioner else None,
        "organisation": {
            "national_id": o.national_id,
            "legal_name": o.legal_name,
            "trade_name": o.trade_name,
            "address_lines": [x for x in o.address_lines if x],
            "postcode": o.postcode,
            "city": o.city,
        }
        if o
        else None,
    }


def create_directory_app(engine: AsyncEngine, authenticate: Authenticate) -> Starlette:
    """The directory API; mount it where the web app wants it (e.g. `/directory`)."""

    async def viewer_of(request: Request) -> Viewer | None:
        found = authenticate(request)
        if inspect.isawaitable(found):
            found = await found
        return found if isinstance(found, Viewer) else None

    async def search_endpoint(request: Request) -> JSONResponse:
        viewer = await viewer_of(request)
        if viewer is None:
            return JSONResponse(UNAUTHORISED, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        q = request.query_params
        try:
            limit, offset = int(q.get("limit", 20)), int(q.get("offset", 0))
        except ValueError:
            return JSONResponse({"error": "limit and offset are integers"}, status_code=400)
        query = SearchQuery(
            name=q.get("name", ""),
            profession=q.get("profession", ""),
            speciality=q.get("speciality", ""),
            postcode=q.get("postcode", ""),
            city=q.get("city", ""),
            organisation=q.get("organisation", ""),
            address=q.get("address", ""),
            mailbox_type=q.get("type", ""),
            limit=limit,
            offset=offset,
        )
        page = await search(engine, query, viewer)
        body: dict[str, Any] = {
            "entries": [entry_json(e) for e in page.entries],
            "offset": page.offset,
            "limit": page.limit,
            "next": str(request.url.include_query_params(offset=page.offset + page.limit)) if page.has_more else None,
        }
        return JSONResponse(body)

    async def mailbox_endpoint(request: Request) -> JSONResponse:
        viewer = await viewer_of(request)
        if viewer is None:
            return JSONResponse(UNAUTHORISED, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        entry = await get_by_address(engine, request.path_params["address"])
        if entry is None or (entry.liste_rouge and not viewer.sees_liste_rouge):
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse(entry_json(entry))

    async def practitioner_endpoint(request: Request) -> JSONResponse:
        viewer = await viewer_of(request)
        if viewer is None:
            return JSONResponse(UNAUTHORISED, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        found = await get_practitioner(engine, request.path_params["national_id"], viewer)
        if found is None or not found[1]:
            return JSONResponse({"error": "not found"}, status_code=404)
        person, entries = found
        return JSONResponse({**practitioner_json(person), "mailboxes": [entry_json(e) for e in entries]})

    return Starlette(
        routes=[
            Route("/search", search_endpoint),
            Route("/mailboxes/{address}", mailbox_endpoint),
            Route("/practitioners/{national_id}", practitioner_endpoint),
            Mount("/fhir", routes=fhir_routes(engine, viewer_of)),
        ]
    )
