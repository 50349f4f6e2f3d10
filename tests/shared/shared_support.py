"""Two web applications on one PostgreSQL database and one Redis, as behind a balancer.

Both are the real app (`create_app`, every area) in this process, each on its own port, with
the same settings but their own memory: whatever one keeps only in memory, the other does not
see. Rasa is the fake HTTP API of the handoff tests, plus a REST channel that answers `[]`.
One `ClientSession` talks to both (one cookie jar: a browser the balancer sends to either).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.settings import Limits, Settings, get_settings
from tests.handoff.fake_rasa import TOKEN, FakeRasa
from tests.handoff.handoff_support import PASSWORD, add_counsellor
from tests.pg import fresh_database
from tests.services import redis_prefix, redis_url

MESSAGES_PER_MINUTE = 3


class FakeRasaWithRest(FakeRasa):
    """The handoff tests' fake Rasa API, plus the REST channel the proxy forwards to."""

    def __init__(self) -> None:
        super().__init__()
        self.rest_messages: list[dict[str, Any]] = []

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_post("/webhooks/rest/webhook", self.rest)
        return app

    async def rest(self, request: web.Request) -> web.Response:
        self.rest_messages.append(await request.json())
        return web.json_response([])


@dataclass
class Stores:
    database_url: str
    redis_url: str
    redis_prefix: str


@pytest.fixture
def shared_stores() -> Iterator[Stores]:
    """A new PostgreSQL database and a Redis key prefix of this test's own."""
    with fresh_database("relais_shared") as database, redis_prefix("shared") as prefix:
        yield Stores(database, redis_url(), prefix)


def app_settings(stores: Stores, rasa_url: str, *, redis: bool = True) -> Settings:
    """The settings every instance shares (`redis=False`: the single-instance default)."""
    return replace(
        get_settings(),
        database_url=stores.database_url,
        rasa_url=rasa_url,
        rasa_token=TOKEN,
        secret_key="shared-state-test-secret-0123456789",
        redis_url=stores.redis_url if redis else "",
        redis_prefix=stores.redis_prefix,
        limits=Limits(messages_per_minute=MESSAGES_PER_MINUTE),
    )


@dataclass
class Pair:
    """Web apps A and B, the fake Rasa behind them, and one browser."""

    a: TestServer
    b: TestServer
    rasa: FakeRasaWithRest
    browser: aiohttp.ClientSession

    def url(self, server: TestServer, path: str) -> str:
        return str(server.make_url(path))


async def start_pair(
    stores: Stores,
    aiohttp_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    *,
    poll_a: float = 0.05,
    poll_b: float = 0.05,
) -> AsyncIterator[Pair]:
    """Start A then B (each reads its relay interval at startup), counsellors Ana and Ben."""
    from bot.web.app import create_app

    rasa = FakeRasaWithRest()
    rasa_server = await aiohttp_server(rasa.app())
    settings = app_settings(stores, str(rasa_server.make_url("")).rstrip("/"))
    await add_counsellor(stores.database_url, "ana@example.org", "Ana")
    await add_counsellor(stores.database_url, "ben@example.org", "Ben")
    monkeypatch.setenv("RELAIS_HANDOFF_POLL_INTERVAL", str(poll_a))
    a = await aiohttp_server(create_app(settings))
    monkeypatch.setenv("RELAIS_HANDOFF_POLL_INTERVAL", str(poll_b))
    b = await aiohttp_server(create_app(settings))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        yield Pair(a, b, rasa, browser)


async def login(pair: Pair, server: TestServer, email: str, password: str = PASSWORD) -> str:
    """Sign in through `server`; returns the session's CSRF token (from the console page)."""
    page = await pair.browser.get(pair.url(server, "/console/login"))
    csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert csrf is not None
    answer = await pair.browser.post(
        pair.url(server, "/console/login"),
        data={"email": email, "password": password, "csrf": csrf.group(1)},
        allow_redirects=False,
    )
    assert answer.status == 303, await answer.text()
    console = await pair.browser.get(pair.url(server, "/console/"))
    assert console.status == 200
    token = re.search(r'name="csrf-token" content="([^"]+)"', await console.text())
    assert token is not None
    return token.group(1)
