"""One public origin, on the real processes of the shared full stack (tests/stacks.py): Rasa's
channels through the web app's proxy, Rasa and the action server on loopback only, the
installation's own token, limits per conversation that spare the others behind the same
address, and the refusal to listen beyond loopback on a published secret."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from typing import Any

import aiohttp
import pytest

from bot import texts
from bot.ops.stack import Stack, free_port
from bot.settings import ROOT
from tests.people import SocketPerson

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def sender() -> str:
    return f"origin-{uuid.uuid4().hex[:10]}"


async def say(session: aiohttp.ClientSession, stack: Stack, who: str, text: str) -> Any:
    return await session.post(
        stack.web_url + "/webhooks/rest/webhook", json={"sender": who, "message": text}
    )


async def test_rest_channel_answers_on_the_public_origin(stack: Stack) -> None:
    async with aiohttp.ClientSession() as session:
        response = await say(session, stack, sender(), "bonjour")
        assert response.status == 200
        messages = await response.json()
    assert messages and all(m["recipient_id"] for m in messages)
    assert any(m.get("text") for m in messages)


@pytest.mark.parametrize("transport", ["polling", "websocket"])
async def test_socketio_through_the_proxy(stack: Stack, transport: str) -> None:
    person = SocketPerson(stack.web_url, transports=(transport,))
    await person.connect()
    try:
        assert person.client.transport() == transport
        await person.say("bonjour")
        await person.expect("")
        assert person.received[0]["text"]
    finally:
        await person.client.disconnect()


async def test_rasa_api_stays_behind_the_proxy(stack: Stack) -> None:
    async with aiohttp.ClientSession() as session:
        for path in ("/status", "/conversations/x/tracker", "/webhooks/relais_privacy/forget"):
            async with session.get(stack.web_url + path) as response:
                assert response.status in (404, 405), path


async def test_rasa_refuses_the_old_published_token(stack: Stack) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(stack.rasa_url + "/status?token=relais-dev-token") as refused:
            assert refused.status == 401
        async with session.get(f"{stack.rasa_url}/status?token={stack.token}") as accepted:
            assert accepted.status == 200


def test_rasa_and_the_action_server_listen_on_loopback_only(stack: Stack) -> None:
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True)
    local = [line.split()[3] for line in listening.stdout.splitlines() if line.strip()]
    for port in (stack.ports.rasa, stack.ports.actions):
        addresses = [a.rsplit(":", 1)[0] for a in local if a.rsplit(":", 1)[1] == str(port)]
        assert addresses == ["127.0.0.1"], (port, addresses)


def test_no_secret_on_any_command_line(stack: Stack) -> None:
    for child in stack.supervisor.children:
        assert child.process is not None
        cmdline = (
            open(f"/proc/{child.process.pid}/cmdline", "rb").read().decode()  # noqa: SIM115
        )
        assert stack.token not in cmdline and stack.options.secret_key not in cmdline
        assert "--auth-token" not in cmdline


async def test_a_burst_from_one_sender_gets_429_and_spares_its_neighbour(stack: Stack) -> None:
    """60 messages from one conversation at once: 30 answered (the limit per minute), 30
    refused politely; another conversation from the same address meanwhile is answered."""
    busy, neighbour = sender(), sender()
    async with aiohttp.ClientSession() as session:

        async def one(who: str) -> tuple[int, str | None, Any]:
            async with await say(session, stack, who, "bonjour") as response:
                return response.status, response.headers.get("Retry-After"), await response.json()

        burst = [one(busy) for _ in range(60)]
        calm = [one(neighbour) for _ in range(3)]
        results = await asyncio.gather(*burst, *calm)
    busy_results, calm_results = results[:60], results[60:]
    refused = [r for r in busy_results if r[0] == 429]
    assert len(refused) == 30 and sum(r[0] == 200 for r in busy_results) == 30
    for _status, retry_after, body in refused:
        assert retry_after is not None and 1 <= int(retry_after) <= 60
        assert body["error"]["message"] == texts.both("api.error.rate_limited")
    for status, _retry, body in calm_results:
        assert status == 200 and any(m.get("text") for m in body)


async def test_a_flood_over_the_websocket_gets_the_polite_text_in_place_of_answers(
    stack: Stack,
) -> None:
    person = SocketPerson(stack.web_url, transports=("websocket",))
    await person.connect()
    try:
        for number in range(31):
            await person.client.emit(
                "user_uttered", {"message": f"/greet{number}", "session_id": person.session_id}
            )
        await person.expect(texts.t("api.error.rate_limited", "fr"))
        limited = [m for m in person.received if m.get("rate_limited")]
        assert limited and texts.t("api.error.rate_limited", "en") in limited[0]["text"]
    finally:
        await person.client.disconnect()


@pytest.mark.parametrize(
    ("token", "secret", "named"),
    [
        ("relais-dev-token", "k" * 48, "RELAIS_RASA_TOKEN"),
        ("t" * 48, "stack-secret-key", "RELAIS_SECRET_KEY"),
    ],
)
def test_the_web_app_refuses_a_published_secret_beyond_loopback(
    token: str, secret: str, named: str
) -> None:
    env = {
        **os.environ,
        "RELAIS_WEB_HOST": "0.0.0.0",
        "RELAIS_WEB_PORT": str(free_port()),
        "RELAIS_RASA_TOKEN": token,
        "RELAIS_SECRET_KEY": secret,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.ops.runner", "serve-web"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    for language in ("fr", "en"):
        assert texts.t("dialogue.run.weak_secret", language, host="0.0.0.0", name=named) in (
            done.stderr
        )
