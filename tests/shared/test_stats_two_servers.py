"""Statistics from two Rasa servers equal those from one (issue 18, point 4).

Each Rasa server has its own event broker (`StatsEventBroker`). Behind a balancer, the turns
of one conversation reach either server: here the events of each conversation go to broker
A and broker B in turn (one PostgreSQL database, one Redis), and the facts they write must be
the very rows one broker writes from all the events. With the live facts in each process's
memory, B started the conversation again (a second row, another key) and wrote its partial
facts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.stats.broker import StatsEventBroker, open_engine
from bot.stats.store import conversation, conversation_need
from tests.shared.shared_support import Stores, shared_stores

pytestmark = pytest.mark.postgres

__all__ = ["shared_stores"]  # the fixture, imported for pytest

SECRET = "stats-two-servers-secret"
START = dt.datetime(2026, 11, 30, 15, tzinfo=dt.timezone.utc).timestamp()


def conversation_events(place: str, minute: int) -> list[dict[str, Any]]:
    """One conversation: a need, a place, a second message, a counsellor asked for."""
    at = START + 60 * minute
    return [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "timestamp": at, "input_channel": "socketio", "text": "faim",
         "parse_data": {"intent": {"name": "need_food"}}},
        {"event": "slot", "name": "language", "value": "fr"},
        {"event": "slot", "name": "need", "value": "food"},
        {"event": "user", "timestamp": at + 20, "input_channel": "socketio", "text": place,
         "parse_data": {"intent": {"name": "inform"}}},
        {"event": "slot", "name": "place", "value": {"code_geo": place}},
        {"event": "user", "timestamp": at + 40, "input_channel": "socketio",
         "text": "un humain", "parse_data": {"intent": {"name": "ask_human"}}},
        {"event": "pause"},
    ]  # fmt: skip


def turns(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events cut at each user message: what one Rasa turn publishes."""
    cut: list[list[dict[str, Any]]] = [[]]
    for event in events:
        if event["event"] == "user" and cut[-1]:
            cut.append([])
        cut[-1].append(event)
    return cut


def rows(url: str) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            facts = [
                {k: v for k, v in row._mapping.items() if k not in ("updated", "dirty")}
                for row in conn.execute(select(conversation).order_by(conversation.c.key))
            ]
            needs = [tuple(r) for r in conn.execute(select(conversation_need).order_by(
                conversation_need.c.key, conversation_need.c.need))]  # fmt: skip
    finally:
        engine.dispose()
    return facts, needs


def close(*brokers: StatsEventBroker) -> None:
    for broker in brokers:
        broker.flush()
        asyncio.run(broker.close())


def test_two_servers_write_the_facts_one_server_writes(
    shared_stores: Stores, tmp_path: Path
) -> None:
    conversations = {"p1": conversation_events("65005", 0), "p2": conversation_events("58227", 5)}
    alone = f"sqlite:///{tmp_path / 'alone.db'}"
    one = StatsEventBroker(database_url=alone, secret=SECRET, redis_url="")
    for sender, events in conversations.items():
        for event in events:
            one.publish({"sender_id": sender, **event})
    close(one)

    shared = {"secret": SECRET, "redis_url": shared_stores.redis_url,
              "redis_prefix": shared_stores.redis_prefix}  # fmt: skip
    a = StatsEventBroker(database_url=shared_stores.database_url, **shared)
    b = StatsEventBroker(database_url=shared_stores.database_url, **shared)
    for sender, events in conversations.items():
        for number, turn in enumerate(turns(events)):  # turns alternate between the servers
            server = (a, b)[number % 2]
            for event in turn:
                server.publish({"sender_id": sender, **event})
            server.flush()  # a turn is written before the next one starts, as under Rasa's lock
    close(a, b)

    facts, needs = rows(shared_stores.database_url)
    expected_facts, expected_needs = rows(alone)
    assert len(expected_facts) == 2 and expected_facts[0]["handoff_requested"]
    assert facts == expected_facts
    assert needs == expected_needs
