"""The REST channel over HTTP (bot/channels/rest.py), in a real Sanic server with a stand-in
for Rasa's agent: a message that could not be handled gets 503 in both languages (never an
empty 200 the client would take for silence), and the client's message id reaches Rasa."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from rasa.core.lock_store import LockError

from bot.channels.rest import RelaisRestInput
from bot.texts import both


class Agent:
    """Answers like Rasa's agent, or fails like it does when the lock store is unreachable."""

    def __init__(self) -> None:
        self.fail = False
        self.seen: list[Any] = []

    async def __call__(self, message: Any) -> None:
        self.seen.append(message)
        if self.fail:
            raise LockError("Redis unreachable")
        await message.output_channel.send_response(message.sender_id, {"text": "Bonjour!"})


@pytest.fixture
async def rest() -> AsyncIterator[tuple[str, Agent]]:
    from sanic import Sanic

    Sanic.test_mode = True
    app = Sanic(f"rest_test_{uuid.uuid4().hex[:8]}")
    agent = Agent()
    app.blueprint(RelaisRestInput().blueprint(agent), url_prefix="/webhooks/rest")
    server = await app.create_server(
        host="127.0.0.1", port=0, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.start_serving()
    port = server.server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/webhooks/rest/webhook", agent
    await server.close()


async def post(url: str, body: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as answer:
        return answer.status, await answer.json()


async def test_a_message_that_could_not_be_handled_is_a_503_in_both_languages(rest) -> None:
    url, agent = rest
    body = {"sender": "s1", "message": "allo", "metadata": {"message_id": "abcdef123456"}}
    assert await post(url, body) == (200, [{"recipient_id": "s1", "text": "Bonjour!"}])
    agent.fail = True
    assert await post(url, body) == (503, {"error": both("channels.rest.unavailable")})
    assert [m.message_id for m in agent.seen] == ["abcdef123456", "abcdef123456"]


async def test_a_malformed_id_is_not_the_messages_id(rest) -> None:
    url, agent = rest
    await post(url, {"sender": "s1", "message": "allo", "metadata": {"message_id": "x y"}})
    assert agent.seen[0].message_id != "x y"  # Rasa's own id then


async def test_a_body_that_is_not_a_message_is_a_400(rest) -> None:
    url, agent = rest
    status, answer = await post(url, {"message": "no sender"})
    assert status == 400 and answer == {"error": both("channels.rest.bad_request")}
    assert agent.seen == []
