"""Fixtures of the schema-migration tests: a fresh database, SQLite or PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the shared pg helper

from tests.pg import DATABASE_KINDS, fresh_database_url


@pytest.fixture(params=DATABASE_KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file in tmp_path, or a new PostgreSQL schema."""
    with fresh_database_url(request.param, tmp_path, "relais_db") as url:
        yield url


@pytest.fixture
def other_db_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the same kind as `db_url`."""
    kind = "sqlite" if db_url.startswith("sqlite") else "postgres"
    with fresh_database_url(kind, tmp_path, "relais_db_other") as url:
        yield url
