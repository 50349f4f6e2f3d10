"""`relais privacy forget` and the statistics: the facts of the person's conversations are
unlinked (no key derived from the conversation id finds them), the counts stay."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from bot.privacy.identity import server_secret
from bot.privacy.service import Privacy, Subject
from bot.settings import get_settings
from bot.stats import store
from bot.stats.broker import StatsEventBroker, open_engine
from bot.stats.events import keyed
from bot.stats.report import Filters, needs_rows


def talk(broker: StatsEventBroker, sender: str, need: str, code_geo: str) -> None:
    """A conversation's events as Rasa streams them to the broker (no database round trip)."""
    now = time.time()
    for event in (
        {"event": "user", "timestamp": now, "input_channel": "rest", "text": "j'ai faim",
         "parse_data": {"intent": {"name": f"need_{need}"}}},
        {"event": "slot", "name": "need", "value": need},
        {"event": "slot", "name": "language", "value": "fr"},
        {"event": "user", "timestamp": now, "input_channel": "rest", "text": "ici",
         "parse_data": {"intent": {"name": "provide_place"}}},
        {"event": "slot", "name": "place", "value": {"code_geo": code_geo, "in_territory": True}},
        {"event": "bot", "data": {"custom": {"type": "service_results", "need": need, "page": 1,
                                             "widening": None, "cards": []}}},
    ):  # fmt: skip
        broker.publish({"sender_id": sender, **event})


def facts(engine: Any) -> list[dict[str, Any]]:
    with engine.begin() as conn:
        return [dict(r) for r in conn.execute(select(store.conversation)).mappings()]


def test_forget_unlinks_the_statistics_facts_and_keeps_the_counts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    engine = open_engine(url)
    broker = StatsEventBroker(database_url=url)
    talk(broker, "forget-me", "food", "65005")
    talk(broker, "keep-me", "food", "65005")
    broker.flush()
    secret = server_secret()
    mine, theirs = keyed(secret, "forget-me"), keyed(secret, "keep-me")
    before = {row["sender_key"]: row for row in facts(engine)}
    assert set(before) == {mine, theirs}
    today = Filters(since=dt.date.today() - dt.timedelta(days=1))
    with engine.begin() as conn:
        counts = needs_rows(conn, "municipality", today, k=1)
    assert counts[0]["count"] == 2

    settings = replace(get_settings(), database_url=url, rasa_url="http://127.0.0.1:9")
    tracker = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True)
    office = Privacy(settings, engine=engine, tracker_engine=tracker, log_dir=tmp_path / "log")
    report = office.forget(Subject(("forget-me",)))

    assert report.counts["stats"] == {"unlinked": 1}
    after = facts(engine)
    assert len(after) == 2
    assert {row["sender_key"] for row in after} == {"", theirs}
    gone = next(row for row in after if row["sender_key"] == "")
    assert gone["key"] not in {before[mine]["key"], before[theirs]["key"]}
    assert {k: v for k, v in gone.items() if k not in ("key", "sender_key", "dirty")} == {
        k: v for k, v in before[mine].items() if k not in ("key", "sender_key", "dirty")
    }
    with engine.begin() as conn:
        own_needs = conn.execute(
            select(store.conversation_need.c.need).where(
                store.conversation_need.c.key == gone["key"]
            )
        ).all()
        assert own_needs == [("food",)]
        assert not store.record_handoff(conn, mine, answered=True, wait=1, outcome="referred")
        assert needs_rows(conn, "municipality", today, k=1) == counts
    # the broker of the Rasa process forgets its live facts too (`rasa_channel`)
    broker.forget("forget-me")
    assert "forget-me" not in broker.live and "keep-me" in broker.live
    assert office.forget(Subject(("forget-me",))).counts["stats"] == {"unlinked": 0}
    office.close()
