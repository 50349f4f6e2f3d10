"""The store on SQLite and PostgreSQL: engines, readers, languages."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.directory.importer import import_path
from bot.directory.store import (
    async_url,
    counts,
    create_engine_from_url,
    get_organization,
    get_service,
)
from tests.directory.directory_support import EXAMPLES


def test_sqlite_engine_creates_its_folder_and_enables_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'deep' / 'er' / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert (tmp_path / "deep" / "er").is_dir()


def test_async_urls() -> None:
    assert str(async_url("sqlite:///var/x.db")) == "sqlite+aiosqlite:///var/x.db"
    assert async_url("postgresql://u@h:5432/d").drivername == "postgresql+asyncpg"
    assert async_url("postgresql+psycopg2://u@h/d").drivername == "postgresql+asyncpg"


def test_get_service_in_both_languages(engine: Engine, service_file: Path) -> None:
    assert import_path(service_file, engine).ok
    with engine.connect() as conn:
        french = get_service(conn, "svc-banque-1", "fr")
        english = get_service(conn, "svc-banque-1", "en")
        plain = get_service(conn, "svc-banque-1")
        assert get_service(conn, "nope", "fr") is None
    assert french["name"] == plain["name"] == "Banque alimentaire du quartier"
    assert english["name"] == "Neighbourhood food bank"
    assert english["schedules"][0]["description"] == "Mornings"
    location = english["service_at_locations"][0]["location"]
    assert location["addresses"][0]["city"] == "Montréal"
    assert location["latitude"] == 45.5
    assert english["organization"]["description"] == "Community organization."


def test_get_service_matches_the_official_full_example(engine: Engine) -> None:
    import json

    assert import_path(EXAMPLES / "service_full.json", engine).ok
    original = json.loads((EXAMPLES / "service_full.json").read_text(encoding="utf-8"))
    with engine.connect() as conn:
        read = get_service(conn, original["id"])
    for key in (
        "phones",
        "schedules",
        "service_at_locations",
        "languages",
        "funding",
        "cost_options",
        "required_documents",
        "contacts",
        "attributes",
        "metadata",
    ):
        assert [item["id"] for item in read[key]] == [item["id"] for item in original[key]], key
    assert read["organization"]["locations"][0]["addresses"][0]["postal_code"] == "ABC 1234"
    assert (
        read["attributes"][0]["taxonomy_term"]["taxonomy_detail"]["id"]
        == original["attributes"][0]["taxonomy_term"]["taxonomy_detail"]["id"]
    )
    assert read["minimum_age"] == 12 and isinstance(read["minimum_age"], int)


def test_get_organization_lists_its_services(engine: Engine) -> None:
    assert import_path(EXAMPLES / "organization_full.json", engine).ok
    with engine.connect() as conn:
        organization = get_organization(conn, "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "en")
        assert counts(conn)["service"] == 1
    assert [s["id"] for s in organization["services"]] == ["ac148810-d857-441c-9679-408f346de14b"]
    assert "organization" not in organization["services"][0]  # no cycle back
