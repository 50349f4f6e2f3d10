"""Fixtures of the handoff tests: a database (SQLite, or PostgreSQL when marked), a fake
Rasa HTTP API for the console tests, the web app logged in as a counsellor."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.handoff.auth import hash_password
from bot.handoff.store import HandoffStore, create_handoff_engine, init_tables
from bot.settings import get_settings
from tests.handoff.fake_rasa import TOKEN, FakeRasa  # this folder is on sys.path (rootdir conftest)
from tests.pg import DATABASE_KINDS, fresh_database_url  # tests/ is on sys.path too

PASSWORD = "correct horse battery"


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    with fresh_database_url(request.param, tmp_path, "handoff") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'handoff.db'}"


def async_engine(url: str) -> AsyncEngine:
    """`create_handoff_engine`, except that the libpq `options=-csearch_path=…` of the
    PostgreSQL test schema becomes asyncpg's `server_settings` (asyncpg rejects `options`)."""
    sa_url = make_url(url)
    options = sa_url.query.get("options")
    if sa_url.get_backend_name() != "postgresql" or not options:
        return create_handoff_engine(url)
    schema = unquote(options).split("search_path=", 1)[1]
    plain = sa_url.difference_update_query(["options"]).set(drivername="postgresql+asyncpg")
    return create_async_engine(plain, connect_args={"server_settings": {"search_path": schema}})


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[HandoffStore]:
    engine = async_engine(database_url)
    await init_tables(engine)
    yield HandoffStore(engine)
    await engine.dispose()


async def add_counsellor(url: str, email: str, name: str) -> int:
    engine = create_handoff_engine(url)
    try:
        await init_tables(engine)
        return await HandoffStore(engine).add_counsellor(email, name, hash_password(PASSWORD))
    finally:
        await engine.dispose()


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
async def web_app(
    sqlite_url: str, fake_rasa: FakeRasa, aiohttp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """The real web app (every area) on a temporary SQLite, talking to the fake Rasa."""
    from bot.web.app import create_app

    monkeypatch.setenv("RELAIS_HANDOFF_POLL_INTERVAL", "0.05")
    rasa_server = await aiohttp_server(fake_rasa.app())
    settings = replace(
        get_settings(),
        database_url=sqlite_url,
        rasa_url=str(rasa_server.make_url("")).rstrip("/"),
        rasa_token=TOKEN,
        secret_key="handoff-test-secret",
    )
    await add_counsellor(sqlite_url, "ana@example.org", "Ana")
    await add_counsellor(sqlite_url, "ben@example.org", "Ben")
    return create_app(settings)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


async def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in; returns the session's CSRF token."""
    page = await client.get("/console/login")
    token = csrf_of(await page.text())
    response = await client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf": token},
        allow_redirects=False,
    )
    assert (response.status, response.headers["Location"]) == (303, "/console/")
    console = await client.get("/console/")
    assert console.status == 200, await console.text()
    return re.search(r'name="csrf-token" content="([^"]+)"', await console.text()).group(1)
