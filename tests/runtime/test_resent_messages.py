"""A message sent again with the same `metadata.message_id` is answered, not processed twice
(bot/runtime/resent.py, patch 4 of bot/runtime/patches.py): the retry a client makes after a
failed request gets the answers of the first try, and the conversation records the person's
message once. The end-to-end cases go through the real Rasa and action servers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.ops.rasa_client import RasaClient
from bot.ops.stack import Stack
from bot.runtime.resent import client_message_id, earlier_answers
from tests.people import SocketPerson


def new_id() -> str:
    return uuid.uuid4().hex


def test_only_a_well_formed_client_id_counts() -> None:
    good = new_id()
    assert client_message_id({"message_id": good}) == good
    assert client_message_id({"message_id": "abc-DEF_1234"}) == "abc-DEF_1234"
    for bad in ("short", "x" * 65, "has space 123", 12345678, None, "<script>1234"):
        assert client_message_id({"message_id": bad}) is None
    assert client_message_id(None) is None and client_message_id({}) is None


def test_the_answers_are_those_between_the_message_and_the_next() -> None:
    events = [
        UserUttered("bonjour", message_id="first-0001"),
        ActionExecuted("utter_greet"),
        BotUttered("Bonjour!", {"buttons": [{"title": "A", "payload": "/a"}]}),
        ActionExecuted("action_listen"),
        UserUttered("aide", message_id="second-002"),
        BotUttered("Voici", {"custom": {"type": "service_results"}}),
        BotUttered("Autre chose?"),
        UserUttered("merci", message_id="third-0003"),
    ]
    first = earlier_answers(events, "first-0001")
    assert [m["text"] for m in first] == ["Bonjour!"]
    assert first[0]["buttons"] == [{"title": "A", "payload": "/a"}]
    second = earlier_answers(events, "second-002")
    assert [m["text"] for m in second] == ["Voici", "Autre chose?"]
    assert second[0]["custom"] == {"type": "service_results"}
    assert earlier_answers(events, "third-0003") == []  # received, not answered yet
    assert earlier_answers(events, "never-0004") is None


def user_events(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in tracker["events"] if e["event"] == "user"]


def shown(messages: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(m.get("text"), m.get("custom"), m.get("buttons")) for m in messages]


@pytest.mark.integration
async def test_a_rest_resend_gets_the_same_answers_and_is_recorded_once(stack: Stack) -> None:
    me = f"resend-{uuid.uuid4().hex[:10]}"
    hello, need = new_id(), new_id()
    async with stack.client() as rasa:
        greeting = await rasa.send(me, "Bonjour", {"message_id": hello})
        results = await rasa.send(me, "j'ai besoin de nourriture à Laval", {"message_id": need})
        assert any((m.get("custom") or {}).get("type") == "service_results" for m in results)
        before = (await rasa.tracker(me))["events"]
        assert shown(await rasa.send(me, "j'ai besoin de nourriture à Laval",
                                     {"message_id": need})) == shown(results)  # fmt: skip
        assert shown(await rasa.send(me, "Bonjour", {"message_id": hello})) == shown(greeting)
        tracker = await rasa.tracker(me)
        assert tracker["events"] == before  # nothing recorded, no action run again
        assert [e["message_id"] for e in user_events(tracker)] == [hello, need]
        # the conversation goes on; a message without an id is always processed
        assert "Bonjour" not in str(shown(await rasa.send(me, "merci, c'est tout")))
        assert len(user_events(await rasa.tracker(me))) == 3


@pytest.mark.integration
async def test_two_tries_at_once_run_once(stack: Stack) -> None:
    """The first try still running when the retry comes: the retry waits for the
    conversation's lock, then finds the first try's answers."""
    me = f"resend-{uuid.uuid4().hex[:10]}"
    need = new_id()
    async with RasaClient(stack.rasa_url) as one, RasaClient(stack.rasa_url) as two:
        first, second = await asyncio.gather(
            one.send(me, "I need food in Longueuil", {"message_id": need}),
            two.send(me, "I need food in Longueuil", {"message_id": need}),
        )
        assert first and shown(first) == shown(second)
        async with stack.client() as rasa:
            assert [e["message_id"] for e in user_events(await rasa.tracker(me))] == [need]


@pytest.mark.integration
async def test_a_socketio_resend_is_answered_and_recorded_once(
    person: SocketPerson, stack: Stack
) -> None:
    need = new_id()
    await person.say("j'ai besoin de nourriture à Laval", {"message_id": need})
    await person.expect("Voici des ressources")
    await person.say("j'ai besoin de nourriture à Laval", {"message_id": need})
    deadline = asyncio.get_running_loop().time() + 30
    while person.count("Voici des ressources") < 2:
        assert asyncio.get_running_loop().time() < deadline, "the resend was not answered"
        await asyncio.sleep(0.1)
    async with stack.client() as rasa:
        tracker = await rasa.tracker(person.session_id)
    assert [e["message_id"] for e in user_events(tracker)] == [need]
