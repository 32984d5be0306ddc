"""The HTTP JSON API and the FHIR R4 view: authentication, Bundles that validate as FHIR (fhir.resources,
R4B models, which match R4 for these resources), paging by next links, and liste_rouge hidden from outsiders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.testclient import TestClient

from directory.fhir import MAILBOX_METADATA
from directory.http import create_directory_app
from directory.importer import import_extraction
from directory.local import upsert_local_mailbox
from directory.records import LOCAL_VIEWER, PUBLIC_VIEWER, LocalMailbox, Viewer
from directory.synthetic import org_fields, per_fields
from tests.directory.conftest import clock, write_extraction

TOKENS = {"Bearer public": PUBLIC_VIEWER, "Bearer local": LOCAL_VIEWER}
PUBLIC = {"Authorization": "Bearer public"}
LOCAL = {"Authorization": "Bearer local"}


def authenticate(request: Request) -> Viewer | None:
    return TOKENS.get(request.headers.get("authorization", ""))


@pytest.fixture
async def client(engine: AsyncEngine, tmp_path: Path) -> Iterator[TestClient]:
    lines = [
        "|".join(
            per_fields(
                f"martin{n}@chu.mssante.fr",
                f"1{n:010d}",
                "MARTIN",
                f"Jean{n}",
                structure="1690000001",
                legal_name="CHU SYNTHÉTIQUE",
            )
        )
        for n in range(5)
    ]
    lines.append("|".join(org_fields("cardio@chu.mssante.fr", "1690000001", "CHU SYNTHÉTIQUE", "Cardiologie")))
    await import_extraction(engine, write_extraction(tmp_path / "e.txt", lines), clock=clock)
    await upsert_local_mailbox(
        engine,
        LocalMailbox(
            "martin.discret@chu.mssante.fr",
            "PER",
            national_id="899999999999",
            family_name="MARTIN",
            given_name="Discret",
            liste_rouge=True,
            description="Consultations",
        ),
    )
    with TestClient(create_directory_app(engine, authenticate)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "path",
    [
        "/search?name=martin",
        "/mailboxes/martin0@chu.mssante.fr",
        "/practitioners/810000000000",
        "/fhir/Practitioner",
        "/fhir/Organization",
        "/fhir/PractitionerRole",
    ],
)
def test_every_route_requires_authentication(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_json_search_pages_with_a_next_link(client: TestClient) -> None:
    first = client.get("/search?name=martin&limit=3", headers=PUBLIC).json()
    assert len(first["entries"]) == 3 and first["next"]
    second = client.get(first["next"], headers=PUBLIC).json()
    assert len(second["entries"]) == 2 and second["next"] is None
    addresses = {e["address"] for e in first["entries"] + second["entries"]}
    assert "martin.discret@chu.mssante.fr" not in addresses and len(addresses) == 5


def test_get_by_address_and_national_id(client: TestClient) -> None:
    entry = client.get("/mailboxes/MARTIN0@chu.mssante.fr", headers=PUBLIC).json()
    assert entry["practitioner"]["national_id"] == "810000000000"
    assert entry["organisation"]["legal_name"] == "CHU SYNTHÉTIQUE"
    person = client.get("/practitioners/810000000000", headers=PUBLIC).json()
    assert [m["address"] for m in person["mailboxes"]] == ["martin0@chu.mssante.fr"]
    assert client.get("/mailboxes/nobody@chu.mssante.fr", headers=PUBLIC).status_code == 404


def test_liste_rouge_is_not_found_by_outsiders_but_seen_by_local_staff(client: TestClient) -> None:
    assert client.get("/mailboxes/martin.discret@chu.mssante.fr", headers=PUBLIC).status_code == 404
    assert client.get("/practitioners/899999999999", headers=PUBLIC).status_code == 404
    assert client.get("/mailboxes/martin.discret@chu.mssante.fr", headers=LOCAL).json()["liste_rouge"] is True


@pytest.mark.parametrize("resource", ["Practitioner", "PractitionerRole", "Organization"])
def test_fhir_bundles_validate_and_page_with_next_links(client: TestClient, resource: str) -> None:
    url: str | None = f"/fhir/{resource}?_count=2"
    ids: list[str] = []
    while url:
        response = client.get(url, headers=PUBLIC)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/fhir+json")
        body = response.json()
        bundle = Bundle.model_validate(body)  # raises on anything that is not valid FHIR
        assert body["resourceType"] == "Bundle" and body["type"] == "searchset"
        assert len(body["entry"]) <= 2
        for entry in bundle.entry or []:
            assert entry.resource.get_resource_type() == resource
            assert entry.fullUrl.endswith(f"/{resource}/{entry.resource.id}")
            ids.append(entry.resource.id)
        url = next((link["url"] for link in body["link"] if link["relation"] == "next"), None)
    assert len(ids) == len(set(ids)) == {"Practitioner": 5, "PractitionerRole": 5, "Organization": 1}[resource]


def test_fhir_search_parameters(client: TestClient) -> None:
    by_name = client.get("/fhir/Practitioner?name=jean3", headers=PUBLIC).json()
    assert [e["resource"]["id"] for e in by_name["entry"]] == ["810000000003"]
    by_identifier = client.get(
        "/fhir/Practitioner?identifier=urn:oid:1.2.250.1.71.4.2.1|810000000001", headers=PUBLIC
    ).json()
    assert [e["resource"]["name"][0]["given"] for e in by_identifier["entry"]] == [["Jean1"]]
    by_mailbox = client.get("/fhir/PractitionerRole?mailbox-mss=martin2@chu.mssante.fr", headers=PUBLIC).json()
    assert by_mailbox["entry"][0]["resource"]["practitioner"]["reference"] == "Practitioner/810000000002"
    organisations = client.get("/fhir/Organization?mailbox-mss-type=ORG&name=chu", headers=PUBLIC).json()
    telecom = organisations["entry"][0]["resource"]["telecom"]
    assert [t["value"] for t in telecom] == ["cardio@chu.mssante.fr"]
    metadata = {x["url"]: x for x in telecom[0]["extension"][0]["extension"]}
    assert telecom[0]["extension"][0]["url"] == MAILBOX_METADATA
    assert metadata["type"]["valueCodeableConcept"]["coding"][0]["code"] == "ORG"
    assert metadata["service"]["valueString"] == "Cardiologie"
    assert metadata["listeRouge"]["valueBoolean"] is False


def test_fhir_liste_rouge_only_for_local_viewers(client: TestClient) -> None:
    public = client.get("/fhir/Practitioner?name=discret", headers=PUBLIC).json()
    assert public.get("entry", []) == []
    local = client.get("/fhir/Practitioner?name=discret", headers=LOCAL).json()
    Bundle.model_validate(local)
    telecom = local["entry"][0]["resource"]["telecom"][0]
    metadata = {x["url"]: x for x in telecom["extension"][0]["extension"]}
    assert metadata["listeRouge"]["valueBoolean"] is True
    assert metadata["description"]["valueString"] == "Consultations"


def test_fhir_rejects_a_non_numeric_count(client: TestClient) -> None:
    response = client.get("/fhir/Practitioner?_count=many", headers=PUBLIC)
    assert response.status_code == 400 and response.json()["resourceType"] == "OperationOutcome"
