"""The event broker: Rasa's streaming from our tracker store, and facts reaching the tables."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from pathlib import Path
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore

from bot.runtime.tracker_store import RelaisTrackerStore
from bot.stats.broker import StatsEventBroker
from bot.stats.report import Filters, needs_rows
from tests.assistant.test_tracker_store import DOMAIN, _play


class Collecting(EventBroker):
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.events.append(event)


def test_the_tracker_store_streams_what_rasa_streams(tmp_path: Path) -> None:
    """Our `stream_events` (from the session in memory) sends the very events Rasa's own
    (re-reading the stored tracker) sends, sessions expiring included."""
    ours, theirs = Collecting(), Collecting()
    stores = [
        SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "a.db"), event_broker=theirs),
        RelaisTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "b.db"), event_broker=ours),
    ]
    asyncio.run(_play(stores, random.Random(17), senders=4, steps=60))
    assert ours.events == theirs.events and len(ours.events) > 200


def test_published_events_become_counts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stats.db'}"
    broker = StatsEventBroker(database_url=url, secret="test-secret")
    now = dt.datetime(2026, 11, 30, 15, tzinfo=dt.timezone.utc).timestamp()
    for sender, place in (("a", "65005"), ("b", "65005"), ("c", "58227")):
        for event in (
            {"event": "action", "name": "action_session_start"},  # before any message: nothing
            {"event": "user", "timestamp": now, "input_channel": "socketio", "text": "faim",
             "parse_data": {"intent": {"name": "need_food"}}},
            {"event": "slot", "name": "need", "value": "food"},
            {"event": "slot", "name": "place", "value": {"code_geo": place}},
        ):  # fmt: skip
            broker.publish({"sender_id": sender, **event})
    broker.publish({"sender_id": "a", "event": "restart"})
    broker.publish({"sender_id": "x", "event": "bot"})  # not a conversation yet: ignored
    broker.flush()
    asyncio.run(broker.close())
    from bot.stats.broker import open_engine

    engine = open_engine(url)
    with engine.begin() as conn:
        rows = needs_rows(conn, "municipality", Filters(since=dt.date(2026, 11, 30)), k=1)
    engine.dispose()
    assert [(r["need"], r["code_geo"], r["count"]) for r in rows] == [
        ("food", "58227", 1), ("food", "65005", 2)]  # fmt: skip
