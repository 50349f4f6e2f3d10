"""Two Rasa servers on one conversation: one PostgreSQL tracker store, one Redis lock store.

What several instances (`RELAIS_INSTANCES=2`) rest on: a conversation written through both
servers in turn reads back as through one server (the tracker store keeps no stale copy in
memory), and messages of one conversation sent to both at once are answered one after the
other, each recorded once (the lock, `bot.runtime.lock_store`, holds across processes).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from bot.ops.rasa_client import RasaClient
from bot.ops.stack import Stack, StackOptions
from tests.pg import fresh_database
from tests.services import redis_prefix, redis_url

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.slow]

CONVERSATION = [
    "Bonjour",
    "chu pu capable de payer mon loyer",
    "Laval",
    "merci",
]
"""A person who cannot pay the rent, in Laval: the need, the place, the results."""

AT_ONCE = ["allo", "j'ai faim", "Longueuil", "chu pu capable de payer mon loyer", "merci", "ok"]
"""Sent together, half to each server."""


@pytest.fixture(scope="module")
def two_servers(stacks: Any) -> Iterator[Stack]:
    """One action server and two Rasa servers on a new PostgreSQL database and a Redis key
    prefix of their own (both dropped after)."""
    with redis_prefix("relaistwo") as prefix, fresh_database("relais_two") as database:
        options = StackOptions(
            database_url=database, redis_url=redis_url(), redis_prefix=prefix, rasa_servers=2
        )
        try:
            yield stacks.get(options)
        finally:
            stacks.release(options)


TIMES = {"next_opening"}
"""Keys of the results that hold the time of the turn (an always-open service opens "now")."""


def timeless(value: Any) -> Any:
    """`value` without the keys of `TIMES`, at any depth."""
    if isinstance(value, dict):
        return {key: timeless(item) for key, item in value.items() if key not in TIMES}
    if isinstance(value, list):
        return [timeless(item) for item in value]
    return value


def story(tracker: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a conversation said and did, without timestamps or ids: user texts and intents,
    actions, slots, the bot's messages."""
    told: list[tuple[Any, ...]] = []
    for event in tracker["events"]:
        kind = event["event"]
        if kind == "user":
            told.append(
                (
                    "user",
                    event.get("text"),
                    (event.get("parse_data") or {}).get("intent", {}).get("name"),
                )
            )
        elif kind == "action":
            told.append(("action", event.get("name")))
        elif kind == "slot":
            told.append(("slot", event.get("name"), event.get("value")))
        elif kind == "bot":
            told.append(
                ("bot", event.get("text"), timeless((event.get("data") or {}).get("custom")))
            )
    return told  # fmt: skip


def first_difference(left: list[Any], right: list[Any]) -> str:
    """Where two stories part (for the failure message)."""
    for index, (one, other) in enumerate(zip(left, right, strict=False)):
        if one != other:
            return f"event {index}: {one!r} != {other!r}"
    return f"lengths {len(left)} != {len(right)}"


def turns(tracker: dict[str, Any]) -> list[tuple[str, list[str | None]]]:
    """Each user text with the bot's texts recorded after it, until the next user event."""
    found: list[tuple[str, list[str | None]]] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            found.append((event.get("text"), []))
        elif event["event"] == "bot" and found:
            found[-1][1].append(event.get("text"))
    return found


def test_the_run_uses_redis_and_no_tracker_cache(two_servers: Stack) -> None:
    endpoints = two_servers.folder / "run" / "endpoints.yml"
    written = yaml.safe_load(endpoints.read_text())
    assert written["lock_store"]["type"] == "bot.runtime.lock_store.RelaisRedisLockStore"
    assert written["lock_store"]["url"] == "${RELAIS_REDIS_URL}"
    assert written["tracker_store"]["cache_conversations"] == 0
    names = [c.name for c in two_servers.supervisor.children]
    assert names == ["actions", "actions2", "rasa", "rasa2", "balancer"]


async def test_alternate_servers_give_the_tracker_of_one(two_servers: Stack) -> None:
    first, second = two_servers.rasa_urls
    tag = uuid.uuid4().hex[:8]
    alone, alternating = f"one-{tag}", f"two-{tag}"
    async with (
        RasaClient(first, two_servers.token) as a,
        RasaClient(second, two_servers.token) as b,
    ):
        for number, text in enumerate(CONVERSATION):
            await a.send(alone, text)
            await (a if number % 2 == 0 else b).send(alternating, text)
        reference = story(await a.tracker(alone))
        through_a, through_b = await a.tracker(alternating), await b.tracker(alternating)

    assert story(through_a) == story(through_b), first_difference(
        story(through_a), story(through_b)
    )
    assert story(through_a) == reference, first_difference(story(through_a), reference)
    assert any(step[0] == "bot" and step[2] for step in reference)  # the results were shown
    users = [step[1] for step in reference if step[0] == "user"]
    assert users == CONVERSATION  # each user message once, in order


async def test_concurrent_messages_are_served_one_at_a_time(two_servers: Stack) -> None:
    sender = f"both-{uuid.uuid4().hex[:8]}"
    async with (
        RasaClient(two_servers.rasa_urls[0], two_servers.token) as a,
        RasaClient(two_servers.rasa_urls[1], two_servers.token) as b,
    ):
        answers = await asyncio.gather(
            *(
                (a if number % 2 == 0 else b).send(sender, text)
                for number, text in enumerate(AT_ONCE)
            )
        )
        tracker = await a.tracker(sender)
        recorded = turns(tracker)
        # some serial order: the same messages, one after the other in the order recorded,
        # through one server, make the very same conversation (a turn run beside another
        # one would not have seen it: its answer or its slots would differ)
        replayed = f"{sender}-replay"
        for text, _ in recorded:
            await a.send(replayed, text)
        replay = story(await a.tracker(replayed))

    assert all(answers), "every message is answered"
    assert Counter(text for text, _ in recorded) == Counter(AT_ONCE)  # each exactly once
    assert story(tracker) == replay, first_difference(story(tracker), replay)
    # serial: each turn's bot messages follow its own user event, none of another turn's
    # (the REST channel renders the results, recorded as a custom payload with no text, as text)
    answered = {
        text: [m.get("text") for m in answer] for text, answer in zip(AT_ONCE, answers, strict=True)
    }
    for text, said in recorded:
        assert len(said) == len(answered[text]), (text, said, answered[text])
        assert all(
            kept is None or kept == sent for kept, sent in zip(said, answered[text], strict=True)
        ), (text, said, answered[text])
    assert any(kept is not None for _, said in recorded for kept in said)
