"""Two whole instances behind HAProxy, as `relais run --instances 2` starts them.

Two action servers, two Rasa servers and two web apps on one PostgreSQL database (directory,
handoff and tracker store) and one Redis (conversation lock, socket.io rooms), behind the
balancer's one public origin. People talk through that origin (REST and socket.io); a message
sent through the other instance (a counsellor's, from the console's Rasa) reaches a person
connected to the first; a dead Rasa is taken out and the next turns go on through the other.
The killing is last: the module's stack is stopped after it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from bot.ops import balancer
from bot.ops.stack import Stack, StackOptions
from tests.people import SocketPerson
from tests.pg import fresh_database
from tests.services import redis_prefix, redis_url

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.slow]

REST = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def instances(stacks: Any) -> Iterator[Stack]:
    """Two instances with web apps behind HAProxy, on a new PostgreSQL database and a Redis
    key prefix of their own (both dropped after)."""
    if balancer.haproxy_path() is None:
        pytest.skip("haproxy is not installed (make install installs it)")
    with redis_prefix("relaisinst") as prefix, fresh_database("relais_inst") as database:
        options = StackOptions(
            web=True,
            database_url=database,
            redis_url=redis_url(),
            redis_prefix=prefix,
            rasa_servers=2,
        )
        try:
            yield stacks.get(options)
        finally:
            stacks.release(options)


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client that keeps cookies for an IP address, as a browser does (the
    balancer's persistence cookie)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def rest_turn(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> list:
    async with session.post(url + REST, json={"sender": sender, "message": text}) as answer:
        assert answer.status == 200, await answer.text()
        return await answer.json()


async def user_texts(stack: Stack, sender: str, at_least: int = 0) -> list[str]:
    """The user messages recorded for `sender` (once at least `at_least` are: a turn's
    answers go out over socket.io before its tracker is saved)."""
    async with stack.client() as rasa:
        for _ in range(600):
            tracker = await rasa.tracker(sender)
            texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
            if len(texts) >= at_least:
                break
            await asyncio.sleep(0.05)
    return texts


async def ask(person: SocketPerson, text: str, timeout: float = 60) -> None:
    """Say `text` and wait for the bot's first answer to it."""
    before = len(person.received)
    await person.say(text)

    async def answered() -> None:
        while len(person.received) <= before:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(answered(), timeout)


def socket_person(url: str, session: aiohttp.ClientSession, transport: str) -> SocketPerson:
    person = SocketPerson(url, transports=(transport,))
    person.client.eio.http = session  # the browser's cookies: long-polling stays on its server
    person.client.eio.external_http = True
    return person


async def test_rest_through_the_public_origin(instances: Stack, browser: aiohttp.ClientSession):
    sender = f"inst-{uuid.uuid4().hex[:8]}"
    texts = ["Bonjour", "j'ai faim", "Laval", "merci"]
    for text in texts:
        assert await rest_turn(browser, instances.web_url, sender, text)
    assert await user_texts(instances, sender) == texts  # each turn recorded once, in order


@pytest.mark.parametrize("transport", ["polling", "websocket"])
async def test_socketio_through_the_public_origin(
    instances: Stack, browser: aiohttp.ClientSession, transport: str
):
    person = socket_person(instances.web_url, browser, transport)
    await person.connect()
    try:
        await ask(person, "Bonjour")
        await ask(person, "j'ai faim")
    finally:
        await person.client.disconnect()
    recorded = await user_texts(instances, person.session_id, at_least=2)
    assert recorded == ["Bonjour", "j'ai faim"]


async def test_a_message_sent_through_the_other_instance_reaches_the_person(
    instances: Stack, browser: aiohttp.ClientSession
):
    """Connected to instance 1's web app (hence its Rasa), the person gets what instance 2's
    Rasa sends on the conversation's channel (as the console sends a counsellor's message):
    socket.io rooms are shared through Redis."""
    person = socket_person(instances.web_urls[0], browser, "polling")
    await person.connect()
    try:
        await ask(person, "Bonjour")
        words = f"Bonjour, ici Julie {uuid.uuid4().hex[:6]}"
        other = instances.rasa_urls[1]
        url = f"{other}/conversations/{person.session_id}/tracker/events"
        async with browser.post(
            url,
            params={
                "token": instances.token,
                "output_channel": "latest",
                "execute_side_effects": "true",
            },
            json={"event": "bot", "text": words},
        ) as answer:
            assert answer.status == 200, await answer.text()
        await person.expect(words)
        assert person.count(words) == 1  # once, not once per server
    finally:
        await person.client.disconnect()


async def test_typing_is_seen_across_instances(instances: Stack, browser: aiohttp.ClientSession):
    """The person's socket on instance 1, the counsellor's web app asking instance 2's Rasa:
    the console sees the person typing, and the person sees the counsellor typing."""
    person = socket_person(instances.web_urls[0], browser, "polling")
    counsellor_typing: list[dict[str, Any]] = []
    person.client.on("counsellor_typing", counsellor_typing.append)
    await person.connect()
    typing_url = f"{instances.rasa_urls[1]}/webhooks/socketio/typing"
    token = {"token": instances.token}
    try:
        await ask(person, "Bonjour")
        await person.client.emit("user_typing", {"session_id": person.session_id})
        params = {**token, "senders": f"someone-else,{person.session_id}"}
        for _ in range(600):
            async with browser.get(typing_url, params=params) as answer:
                assert answer.status == 200, await answer.text()
                if (await answer.json())["typing"] == [person.session_id]:
                    break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("instance 2 never saw the person typing on instance 1")
        body = {"sender_id": person.session_id, "typing": True, "name": "Julie"}
        async with browser.post(typing_url, params=token, json=body) as answer:
            assert answer.status == 200, await answer.text()
        for _ in range(600):
            if counsellor_typing:
                break
            await asyncio.sleep(0.05)
        assert counsellor_typing == [{"typing": True, "name": "Julie"}]
    finally:
        await person.client.disconnect()


async def test_a_dead_rasa_is_taken_out(instances: Stack, browser: aiohttp.ClientSession):
    """Rasa 1 killed: every next turn through the public origin is answered by instance 2
    (the balancer sends a request that found no Rasa to the other web app, and its health
    check takes instance 1 out)."""
    sender = f"kill-{uuid.uuid4().hex[:8]}"
    assert await rest_turn(browser, instances.web_url, sender, "Bonjour")
    instances.child("rasa").process.kill()  # type: ignore[union-attr]
    instances.child("rasa").process.wait()  # type: ignore[union-attr]
    texts = ["j'ai faim", "Longueuil", "merci", "allo", "chu pu capable de payer mon loyer"]
    for text in texts:
        assert await rest_turn(browser, instances.web_url, sender, text)
    person = socket_person(instances.web_url, browser, "polling")
    await person.connect()
    try:
        await ask(person, "Bonjour")
    finally:
        await person.client.disconnect()
    survivor = f"{instances.rasa_urls[1]}/conversations/{sender}/tracker"
    async with browser.get(survivor, params={"token": instances.token}) as answer:
        tracker = await answer.json()
    users = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert users == ["Bonjour", *texts]
