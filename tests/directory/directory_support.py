"""Fixtures of the directory tests: databases (SQLite and PostgreSQL), official examples."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the shared pg helper

from bot.directory.store import create_engine_from_url, init_db
from bot.settings import REFERENCE_DIR
from tests.pg import DATABASE_KINDS, fresh_database_url

EXAMPLES = REFERENCE_DIR / "hsds" / "v3.0" / "examples"


@pytest.fixture
def examples() -> Path:
    """The official HSDS 3.0 examples folder (JSON files and `csv/`)."""
    return EXAMPLES


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'directory.db'}"


@pytest.fixture(params=DATABASE_KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: SQLite in tmp_path, or a new PostgreSQL schema."""
    with fresh_database_url(request.param, tmp_path, "relais_directory") as url:
        yield url


def _engine_with_tables(url: str) -> Iterator[Engine]:
    engine = create_engine_from_url(url)
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh database with the directory tables."""
    yield from _engine_with_tables(db_url)


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    yield from _engine_with_tables(sqlite_url)


def bilingual_service() -> dict:
    """A small Québec service in French with its English texts in `x_translations`."""
    return {
        "id": "svc-banque-1",
        "name": "Banque alimentaire du quartier",
        "description": "Paniers d'épicerie gratuits chaque semaine.",
        "status": "active",
        "x_translations": [
            {"language": "en", "field": "name", "value": "Neighbourhood food bank"},
            {"language": "en", "field": "description", "value": "Free grocery baskets every week."},
        ],
        "organization": {
            "id": "org-entraide-1",
            "name": "Entraide du quartier",
            "description": "Organisme communautaire.",
            "x_translations": [
                {"language": "en", "field": "description", "value": "Community organization."},
            ],
        },
        "phones": [{"id": "tel-1", "number": "514-555-0100", "type": "voice"}],
        "schedules": [
            {
                "id": "hor-1",
                "freq": "WEEKLY",
                "byday": "MO,WE",
                "opens_at": "09:00:00",
                "closes_at": "12:00:00",
                "description": "Le matin",
                "x_translations": [{"language": "en", "field": "description", "value": "Mornings"}],
            }
        ],
        "service_at_locations": [
            {
                "id": "sal-1",
                "location": {
                    "id": "loc-1",
                    "location_type": "physical",
                    "name": "Sous-sol de l'église",
                    "latitude": 45.5,
                    "longitude": -73.6,
                    "addresses": [
                        {
                            "id": "adr-1",
                            "address_1": "123 rue Principale",
                            "city": "Montréal",
                            "state_province": "QC",
                            "postal_code": "H2X 1Y4",
                            "country": "CA",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
    }


@pytest.fixture
def service_file(tmp_path: Path) -> Path:
    """`bilingual_service()` written as services.json."""
    import json

    path = tmp_path / "services.json"
    path.write_text(json.dumps([bilingual_service()], ensure_ascii=False), encoding="utf-8")
    return path
