"""Benchmark of the handoff: 20 simultaneous escalations worked by 20 counsellors.

The real web app (console API, websocket, relay, SQLite store) runs in this process on a
local port; Rasa's HTTP API is the stand-in used by the tests (`tests/handoff/fake_rasa.py`),
so the figures measure the handoff itself (store, relay, websocket, outbox), not the NLU.

- `escalations_per_second`: 20 escalations recorded (as the action server does) and claimed
  through the console API, all at once, divided by the wall time;
- `person_to_console_p95_ms`: a person's message logged in the tracker → the counsellor's
  websocket shows it (dominated by the relay interval, reported beside it);
- `console_to_person_p95_ms`: the counsellor's POST → Rasa's API has the bot event to send.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
CONVERSATIONS = 20
MESSAGES_EACH = 5
POLL_INTERVAL = "0.1"
PASSWORD = "bench-password-123"


def _fake_rasa_module() -> Any:
    spec = importlib.util.spec_from_file_location("fake_rasa", ROOT / "tests/handoff/fake_rasa.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fake_rasa"] = module
    spec.loader.exec_module(module)
    return module


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def _login(base: str, email: str) -> tuple[aiohttp.ClientSession, str]:
    session = aiohttp.ClientSession(base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True))
    page = await (await session.get("/console/login")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    await session.post("/console/login", data={"email": email, "password": PASSWORD, "csrf": csrf})
    console = await (await session.get("/console/")).text()
    token = re.search(r'name="csrf-token" content="([^"]+)"', console).group(1)
    return session, token


async def _bench(tmp: Path) -> dict[str, Any]:
    from bot.handoff.auth import hash_password
    from bot.handoff.escalation import enqueue
    from bot.handoff.store import HandoffStore, create_handoff_engine, init_tables
    from bot.settings import get_settings
    from bot.web.app import create_app

    fake = _fake_rasa_module().FakeRasa()
    rasa_runner, rasa_url = await _serve(fake.app())
    database_url = f"sqlite:///{tmp / 'bench.db'}"
    engine = create_handoff_engine(database_url)
    await init_tables(engine)
    store = HandoffStore(engine)
    password_hash = hash_password(PASSWORD)
    emails = [f"c{i}@bench.example" for i in range(CONVERSATIONS)]
    for i, email in enumerate(emails):
        await store.add_counsellor(email, f"C{i}", password_hash)
    settings = replace(get_settings(), database_url=database_url, rasa_url=rasa_url,
                       rasa_token="test-token", secret_key="bench")  # fmt: skip
    web_runner, base = await _serve(create_app(settings))
    sessions = [await _login(base, email) for email in emails]
    sockets = [await s.ws_connect("/console/ws") for s, _ in sessions]
    seen: list[dict[str, float]] = [{} for _ in sockets]

    async def listen(index: int) -> None:
        async for message in sockets[index]:
            data = message.json()
            if data.get("type") == "message" and data["message"]["direction"] == "person":
                seen[index].setdefault(data["message"]["text"], time.perf_counter())

    listeners = [asyncio.create_task(listen(i)) for i in range(len(sockets))]
    try:
        senders = [f"bench-{i}" for i in range(CONVERSATIONS)]
        started = time.perf_counter()
        escalations = [
            enqueue(sender_id=s, language="fr", channel="socketio", need="food", store=store)
            for s in senders
        ]
        tickets = await asyncio.gather(*escalations)

        async def claim(index: int) -> int:
            session, token = sessions[index]
            url = f"/console/api/escalations/{tickets[index].escalation_id}/claim"
            async with session.post(url, headers={"X-CSRF-Token": token}) as response:
                return response.status

        statuses = await asyncio.gather(*(claim(i) for i in range(CONVERSATIONS)))
        handled_seconds = time.perf_counter() - started
        assert statuses == [200] * CONVERSATIONS, statuses

        inbound: list[float] = []
        outbound: list[float] = []

        async def converse(index: int) -> None:
            session, token = sessions[index]
            escalation_id = tickets[index].escalation_id
            for n in range(MESSAGES_EACH):
                text = f"message {n} de {senders[index]}"
                sent_at = time.perf_counter()
                fake.user(senders[index], text)
                while text not in seen[index]:
                    await asyncio.sleep(0.005)
                inbound.append(seen[index][text] - sent_at)
                reply = f"réponse {n} à {senders[index]}"
                before = len(fake.delivered[senders[index]])
                sent_at = time.perf_counter()
                async with session.post(
                    f"/console/api/escalations/{escalation_id}/messages",
                    json={"text": reply}, headers={"X-CSRF-Token": token},
                ) as response:  # fmt: skip
                    assert response.status == 201
                while len(fake.delivered[senders[index]]) == before:
                    await asyncio.sleep(0.002)
                outbound.append(time.perf_counter() - sent_at)

        await asyncio.wait_for(asyncio.gather(*(converse(i) for i in range(CONVERSATIONS))), 120)
    finally:
        for task in listeners:
            task.cancel()
        for ws in sockets:
            await ws.close()
        for session, _ in sessions:
            await session.close()
        await web_runner.cleanup()
        await rasa_runner.cleanup()
        await engine.dispose()

    return {
        "conversations": CONVERSATIONS,
        "messages_each_way": len(inbound),
        "relay_interval_s": float(POLL_INTERVAL),
        "escalations_per_second": round(CONVERSATIONS / handled_seconds, 1),
        "person_to_console_p50_ms": round(statistics.median(inbound) * 1000, 1),
        "person_to_console_p95_ms": round(p95(inbound) * 1000, 1),
        "console_to_person_p50_ms": round(statistics.median(outbound) * 1000, 1),
        "console_to_person_p95_ms": round(p95(outbound) * 1000, 1),
        "database": "sqlite",
    }


def run() -> dict[str, Any]:
    """The figures (see the module docstring)."""
    os.environ["RELAIS_HANDOFF_POLL_INTERVAL"] = POLL_INTERVAL
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_bench(Path(tmp)))


if __name__ == "__main__":
    print(run())
