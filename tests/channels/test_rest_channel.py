"""The REST channel over HTTP (bot/channels/rest.py), in a real Sanic server with a stand-in
for Rasa's agent: a message that could not be handled gets 503 in both languages (never an
empty 200 the client would take for silence), and the client's message id reaches Rasa."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from rasa.core.lock_store import LockError

from bot.channels.rest import RelaisRestInput
from bot.texts import both
from tests.channels.channels_support import sanic_app, serving


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
    app = sanic_app("rest_test")
    agent = Agent()
    app.blueprint(RelaisRestInput().blueprint(agent), url_prefix="/webhooks/rest")
    async with serving(app) as url:
        yield f"{url}/webhooks/rest/webhook", agent


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
