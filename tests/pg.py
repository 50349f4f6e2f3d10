"""PostgreSQL for tests, importable by any area: `from tests.pg import postgres_schema_url`.

Each user gets a fresh schema (dropped afterwards), so areas and concurrent runs never see
each other's tables. Unreachable server: `pytest.skip` with the reason, or `pytest.fail`
under `CI=true`, where PostgreSQL is part of the contract.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.directory.store import scratch_database, scratch_schema
from tests.services import unavailable

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    """The server to test against (`RELAIS_TEST_POSTGRES_URL`, or the local default)."""
    return os.environ.get("RELAIS_TEST_POSTGRES_URL") or DEFAULT_URL


def require_postgres(url: str | None = None) -> str:
    """The URL if the server answers; otherwise skip (or fail under CI) with the reason."""
    url = url or postgres_url()
    engine = create_engine(url, future=True, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        unavailable(f"PostgreSQL unreachable at {make_url(url).render_as_string()}: {exc.orig!r}")
    finally:
        engine.dispose()
    return url


def postgres_schema_url(prefix: str = "test") -> AbstractContextManager[str]:
    """A psycopg2 URL whose `search_path` is a new, empty schema; the schema is dropped after."""
    return scratch_schema(require_postgres(), prefix)


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A URL of a new, empty PostgreSQL database `<prefix>_<random>` (dropped after, with any
    connection left to it): for what needs a whole database, such as Rasa's tracker store."""
    with scratch_database(require_postgres(), prefix) as url:
        yield url


DATABASE_KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
"""`params` of a fixture that runs its tests on both databases."""


@contextmanager
def fresh_database_url(kind: str, folder: Path, name: str) -> Iterator[str]:
    """An empty database: the SQLite file `folder/<name>.db`, or a new PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    with postgres_schema_url(name) as url:
        yield url
