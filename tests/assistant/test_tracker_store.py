"""`RelaisTrackerStore` reads and writes exactly what Rasa's `SQLTrackerStore` does."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.runtime.tracker_store import RelaisTrackerStore
from bot.settings import DOMAIN_PATH, ENDPOINTS_FILE

DOMAIN = Domain.load(str(DOMAIN_PATH))


def _session_start() -> list[Event]:
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ]


def _turn(rng: random.Random, index: int) -> list[Event]:
    intent = rng.choice(["greet", "need_food", "provide_place", "thanks"])
    events: list[Event] = [
        UserUttered(
            f"message {index}",
            {"name": intent, "confidence": 0.9},
            [{"entity": "place", "value": "Laval", "start": 0, "end": 5}]
            if intent == "provide_place"
            else [],
            parse_data={"intent": {"name": intent, "confidence": 0.9}, "text": f"message {index}"},
        ),
        ActionExecuted("action_search_services", policy="RulePolicy", confidence=1.0),
        BotUttered(f"réponse {index}", {"buttons": [{"title": "Oui", "payload": "/affirm"}]}),
        SlotSet("language", rng.choice(["fr", "en"])),
    ]
    if rng.random() < 0.3:
        events += [ActiveLoop("referral_form"), SlotSet("municipality", "65005"), ActiveLoop(None)]
    return [*events, ActionExecuted("action_listen")]


def _events(tracker: DialogueStateTracker | None) -> list[dict[str, Any]] | None:
    return None if tracker is None else [event.as_dict() for event in tracker.events]


def _rows(url: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text(
                        "SELECT sender_id, type_name, timestamp, intent_name, action_name, data"
                        " FROM events ORDER BY id"
                    )
                )
            )
    finally:
        engine.dispose()


async def _play(stores: list[Any], rng: random.Random, senders: int, steps: int) -> None:
    """The same random conversations on every store; after each step they must agree."""
    for step in range(steps):
        sender = f"personne-{rng.randrange(senders)}"
        trackers = [await store.retrieve(sender) for store in stores]
        assert len({repr(_events(tracker)) for tracker in trackers}) == 1, (step, sender)
        if trackers[0] is None:
            new = _session_start()
            trackers = [DialogueStateTracker(sender, DOMAIN.slots) for _ in stores]
        elif rng.random() < 0.15:  # the session expired: a new one starts within this message
            new = _session_start() + _turn(rng, step)
        else:
            new = _turn(rng, step)
        for store, tracker in zip(stores, trackers, strict=True):
            for event in new:
                tracker.update(event)
            await store.save(tracker)


@pytest.mark.parametrize("capacity", [1000, 2, 0])
def test_same_trackers_and_same_rows_as_rasa(tmp_path: Path, capacity: int):
    rasa_db, relais_db = tmp_path / "rasa.db", tmp_path / "relais.db"
    rasa_store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(rasa_db))
    relais_store = RelaisTrackerStore(
        DOMAIN, dialect="sqlite", db=str(relais_db), cache_conversations=capacity
    )
    asyncio.run(_play([rasa_store, relais_store], random.Random(211), senders=5, steps=120))
    assert _rows(f"sqlite:///{relais_db}") == _rows(f"sqlite:///{rasa_db}")
    if capacity:
        assert 0 < len(relais_store._sessions) <= capacity

    # a restarted Rasa reads the same conversations, and goes on with them
    restarted = RelaisTrackerStore(DOMAIN, dialect="sqlite", db=str(relais_db))
    asyncio.run(_play([rasa_store, restarted], random.Random(3), senders=5, steps=30))
    assert _rows(f"sqlite:///{relais_db}") == _rows(f"sqlite:///{rasa_db}")


def test_sqlite_connections_are_pooled_in_wal_mode(tmp_path: Path):
    store = RelaisTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    assert isinstance(store.engine.pool, sa.pool.QueuePool)
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_failed_write_is_raised_and_the_conversation_read_back(tmp_path: Path):
    store = RelaisTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = DialogueStateTracker("p", DOMAIN.slots)
    for event in _session_start():
        tracker.update(event)
    asyncio.run(store.save(tracker))
    failing = {"on": True}

    def fail_insert(conn, cursor, statement, *args):
        if failing["on"] and statement.lstrip().upper().startswith("INSERT"):
            raise RuntimeError("disque plein / disk full")

    sa.event.listen(store.engine, "before_cursor_execute", fail_insert)
    tracker = asyncio.run(store.retrieve("p"))  # from `SessionStarted` on, as Rasa reads it
    before = _events(tracker)
    for event in _turn(random.Random(1), 1):
        tracker.update(event)
    with pytest.raises(RuntimeError):
        asyncio.run(store.save(tracker))
    assert "p" not in store._sessions
    # nothing of the failed save was stored, or remembered
    assert _events(asyncio.run(store.retrieve("p"))) == before
    failing["on"] = False
    asyncio.run(store.save(tracker))  # the retry stores the whole turn, once
    assert _events(asyncio.run(store.retrieve("p"))) == _events(tracker)
    # + the first `action_session_start`: stored, but older than `SessionStarted`, so not read
    assert len(_rows(f"sqlite:///{tmp_path / 't.db'}")) == len(tracker.events) + 1


def test_the_assistant_endpoints_use_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Plain `rasa run` at the root builds this store from endpoints.yml (var/tracker.db)."""
    monkeypatch.chdir(tmp_path)
    config = read_endpoint_config(str(ENDPOINTS_FILE), "tracker_store")
    store = create_tracker_store(config, DOMAIN)
    assert isinstance(store, RelaisTrackerStore)
    assert Path(store.engine.url.database) == Path("var/tracker.db")
    assert (tmp_path / "var").is_dir()  # created for a fresh clone
