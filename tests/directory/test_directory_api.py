"""HTTP API of the directory: records, languages, errors, health, OpenAPI."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.directory.importer import import_path
from bot.directory.store import create_engine_from_url
from bot.settings import Settings
from bot.web.app import create_app
from tests.directory.directory_support import EXAMPLES


@pytest.fixture
async def client(aiohttp_client, sqlite_url: str, service_file: Path):  # type: ignore[no-untyped-def]
    engine = create_engine_from_url(sqlite_url)
    assert import_path(service_file, engine).ok
    assert import_path(EXAMPLES / "organization_full.json", engine).ok
    engine.dispose()
    return await aiohttp_client(create_app(Settings.from_env({"RELAIS_DATABASE_URL": sqlite_url})))


async def test_service_in_both_languages(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/api/v1/services/svc-banque-1", params={"lang": "en"})
    assert response.status == 200
    body = await response.json()
    assert body["name"] == "Neighbourhood food bank"
    french = await (await client.get("/api/v1/services/svc-banque-1?lang=fr")).json()
    assert french["name"] == "Banque alimentaire du quartier"


async def test_organization(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/api/v1/organizations/d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")
    assert response.status == 200
    assert (await response.json())["services"][0]["name"] == "Community Counselling"


@pytest.mark.parametrize(
    "record_id",
    [
        "nope",
        "é日本語",
        "' OR '1'='1",
        "1; DROP TABLE service; --",
        "a" * 200,
    ],
)
async def test_unknown_ids_are_404(client, record_id: str) -> None:  # type: ignore[no-untyped-def]
    for kind in ("services", "organizations"):
        response = await client.get(f"/api/v1/{kind}/{record_id}")
        assert response.status == 404, record_id
        body = await response.json()
        assert body["error"]["code"] == "not_found" and set(body["error"]["message"]) == {
            "fr",
            "en",
        }


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/services/" + "a" * 201,
        "/api/v1/services/svc-banque-1?lang=de",
        "/api/v1/services/%09tab",
        "/api/v1/services/%00",
        "/api/v1/taxonomy?lang=xx",
    ],
)
async def test_bad_parameters_are_400(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = await client.get(path)
    assert response.status == 400, path
    assert (await response.json())["error"]["code"] == "bad_request"


async def test_health_counts_records(client) -> None:  # type: ignore[no-untyped-def]
    body = await (await client.get("/api/v1/health")).json()
    assert body["status"] == "ok" and body["database"]["reachable"] is True
    assert body["database"]["counts"]["service"] == 2


async def test_health_of_an_empty_database(aiohttp_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"RELAIS_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    client = await aiohttp_client(create_app(settings))
    body = await (await client.get("/api/v1/health")).json()
    assert body["status"] == "empty"
    # The app migrates the schema at start (bot.db), so the tables exist, empty: a record is
    # not found rather than the database unavailable.
    assert body["database"]["initialized"] is True and body["database"]["counts"]["service"] == 0
    response = await client.get("/api/v1/services/x")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_taxonomy_lists_the_twenty_needs(client) -> None:  # type: ignore[no-untyped-def]
    body = await (await client.get("/api/v1/taxonomy?lang=en")).json()
    assert len(body["terms"]) == 20 and body["terms"][0]["code"] == "food"
    assert body["terms"][0]["name"] == "Food"


async def test_openapi_covers_every_api_route(client) -> None:  # type: ignore[no-untyped-def]
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert {"/api/v1/services", "/api/v1/places/resolve"} <= paths
    for resource in client.app.router.resources():
        route = resource.canonical
        if route.startswith("/api/v1/"):
            assert route in paths, route
