"""End to end by SMS: the REAL Rasa (started with credentials.yml, so this channel is loaded
the way production loads it) and action server, the SMS sandbox standing in for the
provider's REST API, and webhooks signed like the provider's (the shared full stack)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.channels.sms_segments import encoding_of, segment_count
from bot.ops.sms_sandbox import Phone
from bot.ops.stack import Stack
from bot.texts import t

pytestmark = [pytest.mark.integration, pytest.mark.slow]

_numbers = iter(range(100, 200))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def phone(stack: Stack) -> Phone:
    assert stack.sms is not None
    return Phone(f"+1514555{next(_numbers):04d}", stack.rasa_url, stack.sms)


def check_sms(body: str) -> None:
    assert segment_count(body) <= 3, body
    assert "☎" not in body


async def test_health_through_rasa(stack: Stack, session: aiohttp.ClientSession) -> None:
    async with session.get(stack.rasa_url + "/webhooks/twilio_sms/") as response:
        assert response.status == 200
        assert (await response.json())["configured"] is True


async def test_bad_signature_is_refused(phone: Phone, session: aiohttp.ClientSession) -> None:
    assert await phone.post(session, "Bonjour", signature="forged") == 403
    assert await phone.post(session, "Bonjour", signature="") == 403
    await asyncio.sleep(1)
    assert phone.sandbox.to(phone.number) == []


async def test_numbered_choice_reaches_rasa_as_the_payload(
    phone: Phone, session: aiohttp.ClientSession
) -> None:
    greeting = await phone.say(session, "Bonjour")
    assert phone.notices == [t("privacy.notice.sms", "fr")]  # in an SMS of its own, first
    check_sms(greeting)
    assert "211" in greeting and "\n2. Logement" in greeting
    asked = await phone.say(session, "2")  # /need_housing → the form asks where
    assert "ville" in asked or "quartier" in asked


async def test_french_conversation(phone: Phone, session: aiohttp.ClientSession) -> None:
    await phone.say(session, "Bonjour")
    asked = await phone.say(session, "j'ai besoin de nourriture pour mes enfants")
    choice = re.search(r"(\d+)\. Alimentation", asked)
    if choice:  # the assistant asked which need: answer by its number, as a person would
        asked = await phone.say(session, choice.group(1))
    assert "ville" in asked or "quartier" in asked
    results = await phone.say(session, "Laval")
    check_sms(results)
    assert "Tél." in results and "km" in results
    pages = [results]
    while pages[-1].rstrip().endswith("la suite)"):
        pages.append(await phone.say(session, "PLUS"))
        check_sms(pages[-1])
    assert "1. " in pages[-1]  # the results menu, numbered
    assert all(encoding_of(p) == "gsm7" for p in pages)


async def test_english_conversation(phone: Phone, session: aiohttp.ClientSession) -> None:
    await phone.say(session, "Hello")
    asked = await phone.say(session, "I need help finding a food bank")
    assert "Which city" in asked
    results = await phone.say(session, "I live in Longueuil")
    check_sms(results)
    assert "Tel." in results and "km" in results


async def test_stop_then_start(phone: Phone, session: aiohttp.ClientSession) -> None:
    await phone.say(session, "Bonjour")
    stopped = await phone.say(session, "ARRÊT")
    assert "START" in stopped
    before = len(phone.sandbox.to(phone.number))
    assert await phone.post(session, "Bonjour") == 200
    await asyncio.sleep(3)
    assert len(phone.sandbox.to(phone.number)) == before  # nothing after STOP
    assert "ARRET" in await phone.say(session, "START")
    assert "211" in await phone.say(session, "Bonjour")


async def test_duplicate_delivery_is_answered_once(
    phone: Phone, session: aiohttp.ClientSession
) -> None:
    statuses = await asyncio.gather(
        *(phone.post(session, "Bonjour", sid="SMsame") for _ in range(3))
    )
    assert statuses == [200, 200, 200]
    replies = await phone.replies_after(0, settle=3.0)
    assert replies[0] == t("privacy.notice.sms", "fr")  # the notice, then one answer
    assert len(replies) == 2 and replies[1].startswith("Bonjour")


async def test_burst_is_answered_in_order(phone: Phone, session: aiohttp.ClientSession) -> None:
    for body in ("Bonjour", "ENGLISH", "FRANÇAIS", "ENGLISH"):
        assert await phone.post(session, body) == 200
    deadline = asyncio.get_running_loop().time() + 60
    while len(phone.sandbox.to(phone.number)) < 5:
        assert asyncio.get_running_loop().time() < deadline, "burst not answered"
        await asyncio.sleep(0.05)
    notice, *replies = phone.sandbox.to(phone.number)
    assert notice == t("privacy.notice.sms", "fr")  # a new conversation says what is kept
    assert replies[0].startswith("Bonjour")
    assert "English" in replies[1] and "continuons" in replies[2] and "English" in replies[3]


async def test_handoff_paused_conversation_over_sms(
    stack: Stack, phone: Phone, session: aiohttp.ClientSession
) -> None:
    """What the handoff area will do: pause, read the person's words, answer by SMS."""
    from bot.channels.sms_privacy import sender_id_for

    await phone.say(session, "Bonjour")
    sender_id = sender_id_for(phone.number, stack.options.secret_key)
    api = f"{stack.rasa_url}/conversations/{sender_id}/tracker/events?token={stack.token}"
    async with session.post(api, json={"event": "pause"}) as response:
        assert response.status == 200
    assert await phone.post(session, "1") == 200
    await asyncio.sleep(3)
    async with session.get(
        f"{stack.rasa_url}/conversations/{sender_id}/tracker?token={stack.token}"
    ) as response:
        tracker = await response.json()
    assert tracker["paused"] and tracker["latest_message"]["text"] == "1"
    before = len(phone.sandbox.to(phone.number))
    counsellor = api + "&execute_side_effects=true&output_channel=latest"
    async with session.post(
        counsellor, json={"event": "bot", "text": "Bonjour, ici Julie du 211."}
    ) as response:
        assert response.status == 200
    assert (await phone.replies_after(before))[0] == "Bonjour, ici Julie du 211."


async def test_recommencer_restarts_a_paused_conversation(
    stack: Stack, phone: Phone, session: aiohttp.ClientSession
) -> None:
    """Issue 15: RECOMMENCER works while a counsellor holds the conversation (paused)."""
    from bot.channels.sms_privacy import sender_id_for

    await phone.say(session, "Bonjour")
    sender_id = sender_id_for(phone.number, stack.options.secret_key)
    api = f"{stack.rasa_url}/conversations/{sender_id}/tracker"
    async with session.post(f"{api}/events?token={stack.token}", json={"event": "pause"}) as r:
        assert r.status == 200
    before = phone.sandbox.count(phone.number)
    assert await phone.post(session, "RECOMMENCER") == 200
    deadline = asyncio.get_running_loop().time() + 60
    while not any("On recommence" in r for r in phone.sandbox.to(phone.number)[before:]):
        assert asyncio.get_running_loop().time() < deadline, "RECOMMENCER not answered"
        await asyncio.sleep(0.1)
    async with session.get(f"{api}?token={stack.token}") as response:
        tracker = await response.json()
    assert not tracker["paused"]
    asked = await phone.say(session, "2")  # the menu answers again: /need_housing
    assert "ville" in asked or "quartier" in asked
