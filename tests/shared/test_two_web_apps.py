"""Two web apps on one PostgreSQL and one Redis answer as one (issue 18, point 4): a sender's
messages are counted across both, a console session and the login throttle hold on either,
a counsellor whose console is open on app A follows a conversation worked through app B, and
both see a newly imported directory (the generation number in the database).

Each test fails when that state lives in one process's memory: the limiter, the console
events and the presence were in memory before (`bot.limits.MemoryLimiter`,
`bot.handoff.shared.LocalHub`, `bot.handoff.service.Presence`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.handoff.escalation import enqueue
from bot.handoff.sessions import MAX_FAILURES
from bot.texts import both
from bot.web.console import PREFIX, SERVICE
from bot.web.errors import error_body
from tests.shared.shared_support import (
    MESSAGES_PER_MINUTE,
    Pair,
    Stores,
    login,
    shared_stores,
    start_pair,
)

pytestmark = pytest.mark.postgres

__all__ = ["shared_stores"]  # the fixture, imported for pytest


@pytest.fixture
async def pair(
    shared_stores: Stores, aiohttp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Pair]:
    """A relays every 20 minutes only, B every 0.05 s: what the person writes is read by B."""
    async for started in start_pair(
        shared_stores, aiohttp_server, monkeypatch, poll_a=1200, poll_b=0.05
    ):
        yield started


async def receive(ws: Any, kind: str, **match: Any) -> dict[str, Any]:
    """The next console event of `kind` whose `message` has the fields in `match`."""
    while True:
        event = await ws.receive_json(timeout=10)
        message = event.get("message") or {}
        if event["type"] == kind and all(message.get(k) == v for k, v in match.items()):
            return event


async def test_a_senders_messages_are_counted_across_web_apps(pair: Pair) -> None:
    def send(server: Any, sender: str) -> Any:
        body = {"sender": sender, "message": "allo"}
        return pair.browser.post(pair.url(server, "/webhooks/rest/webhook"), json=body)

    for number in range(MESSAGES_PER_MINUTE):  # A, B, A: each below the limit alone
        answer = await send(pair.a if number % 2 == 0 else pair.b, "spread")
        assert answer.status == 200, await answer.text()
    over = await send(pair.b, "spread")
    assert over.status == 429
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert await over.json() == error_body("rate_limited", "api.error.rate_limited")
    assert (await over.json())["error"]["message"] == both("api.error.rate_limited")
    assert (await send(pair.a, "spread")).status == 429
    assert (await send(pair.a, "someone-else")).status == 200  # others are not slowed
    assert [m["sender"] for m in pair.rasa.rest_messages].count("spread") == MESSAGES_PER_MINUTE


async def test_a_console_session_holds_on_either_web_app(pair: Pair) -> None:
    csrf = await login(pair, pair.a, "ana@example.org")
    queue = await pair.browser.get(pair.url(pair.b, f"{PREFIX}/api/queue"))
    assert queue.status == 200  # signed in on A, served by B
    out = await pair.browser.post(
        pair.url(pair.b, f"{PREFIX}/logout"), headers={"X-CSRF-Token": csrf}, allow_redirects=False
    )
    assert out.status in (302, 303)
    assert (await pair.browser.get(pair.url(pair.a, f"{PREFIX}/api/queue"))).status == 401


async def test_the_login_throttle_counts_failures_on_both_web_apps(pair: Pair) -> None:
    for number in range(MAX_FAILURES):
        server = pair.a if number % 2 == 0 else pair.b
        page = await pair.browser.get(pair.url(server, "/console/login"))
        assert page.status == 200
        await login_fails(pair, server)
    locked = await try_login(pair, pair.b, "correct horse battery")
    assert locked.status == 429
    assert int(locked.headers["Retry-After"]) > 60


async def try_login(pair: Pair, server: Any, password: str) -> Any:
    import re

    page = await pair.browser.get(pair.url(server, "/console/login"))
    csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert csrf is not None
    return await pair.browser.post(
        pair.url(server, "/console/login"),
        data={"email": "ana@example.org", "password": password, "csrf": csrf.group(1)},
        allow_redirects=False,
    )


async def login_fails(pair: Pair, server: Any) -> None:
    answer = await try_login(pair, server, "wrong password")
    assert answer.status == 303 and "error=1" in answer.headers["Location"]


async def test_a_console_on_one_web_app_follows_work_done_on_the_other(pair: Pair) -> None:
    csrf = await login(pair, pair.a, "ana@example.org")
    headers = {"X-CSRF-Token": csrf}
    service_a, service_b = pair.a.app[SERVICE], pair.b.app[SERVICE]
    asked = pair.rasa.user("p1", "je veux parler à quelqu'un", "ask_human")
    ticket = await enqueue(sender_id="p1", language="fr", channel="socketio",
                           store=service_a.store, last_event_ts=asked["timestamp"])  # fmt: skip
    item = ticket.escalation_id
    ws = await pair.browser.ws_connect(pair.url(pair.a, f"{PREFIX}/ws"))  # console on A
    await receive(ws, "queue")
    ana = (await service_a.store.counsellor_by_email("ana@example.org"))["id"]
    assert await service_b.presence.absent_for(ana) == 0  # B knows Ana is online (on A)
    assert ana in await service_b.presence.online()

    claimed = await pair.browser.post(
        pair.url(pair.b, f"{PREFIX}/api/escalations/{item}/claim"), headers=headers
    )
    assert claimed.status == 200  # claimed through B: A's console hears of it
    await receive(ws, "message", direction="system")

    pair.rasa.user("p1", "allo? j'ai faim")  # read by B's relay, shown on A's console
    shown = await receive(ws, "message", direction="person")
    assert shown["message"]["text"] == "allo? j'ai faim"

    reply = await pair.browser.post(
        pair.url(pair.b, f"{PREFIX}/api/escalations/{item}/messages"),
        json={"text": "Bonjour!"},
        headers=headers,
    )
    assert reply.status == 201
    await receive(ws, "message", direction="counsellor", text="Bonjour!")
    said = [e for e in pair.rasa.delivered["p1"] if e["metadata"]["type"] == "counsellor_message"]
    assert len(said) == 1
    await ws.close()


async def test_both_web_apps_see_a_new_directory(pair: Pair, shared_stores: Stores) -> None:
    """`relais directory import` (its own process) bumps the generation in the database in
    the import's transaction; every web app compares its index with it and rebuilds."""
    from types import SimpleNamespace

    from bot.directory import generation
    from bot.directory.store import create_engine_from_url
    from bot.web.api_search import SEARCH_STATE

    engine = create_engine_from_url(shared_stores.database_url)
    try:
        with engine.connect() as conn:
            before = generation.read(conn)
        states = [server.app[SEARCH_STATE] for server in (pair.a, pair.b)]
        for server, state in zip((pair.a, pair.b), states, strict=True):
            state.index = SimpleNamespace(generation=before)  # an index built before the import
            assert not await state._stale(server.app)
        with engine.begin() as conn:  # what the import commits with its rows
            generation.bump(conn)
    finally:
        engine.dispose()
    for server, state in zip((pair.a, pair.b), states, strict=True):
        assert await state._stale(server.app)  # each rebuilds on its next search
