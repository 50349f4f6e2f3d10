"""Fixtures of the dialogue tests: trackers, the domain as the action server sees it, a fake
search (the search area is tested on its own), and the real gazetteer and territory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import DOMAIN_PATH


def load_domain_dict() -> dict[str, Any]:
    """domain.yml as the action server receives it."""
    return yaml.safe_load(DOMAIN_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return load_domain_dict()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


TrackerFactory = Callable[..., Tracker]


@pytest.fixture
def make_tracker() -> TrackerFactory:
    """`make_tracker(text, intent, slots=…, entities=…, events=…)` for the latest message;
    `before`: events before it."""

    def factory(
        text: str = "",
        intent: str = "greet",
        *,
        slots: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        events: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        ranking: list[dict[str, Any]] | None = None,
        active_loop: str | None = None,
        before: list[dict[str, Any]] | None = None,
    ) -> Tracker:
        all_slots = {"language": "fr", **(slots or {})}
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
            "entities": entities or [],
            "metadata": metadata or {},
        }
        history = [
            *(before or []),
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}},
            *(events or []),
        ]
        return Tracker.from_dict(
            {
                "sender_id": "test",
                "slots": all_slots,
                "latest_message": latest,
                "events": history,
                "paused": False,
                "followup_action": None,
                "active_loop": {"name": active_loop} if active_loop else {},
                "latest_action_name": "action_listen",
            }
        )

    return factory


@dataclass
class FakeHit:
    """A `bot.search.ServiceHit` look-alike with the contract's fields."""

    service_id: str
    name: str
    organization: str = ""
    """None by default: the card is then named by its service alone, as the tests of details
    expect (tests/assistant/test_card_names.py names both)."""
    description: str = ""
    distance_km: float | None = 1.25
    open_now: bool = True
    next_opening: datetime | None = None
    phone: str | None = "514-555-0100"
    address: str | None = "1 rue Principale, Laval"
    url: str | None = None
    languages: list[str] = field(default_factory=lambda: ["fr", "en"])
    reasons: list[str] = field(default_factory=list)
    fictional: bool = True
    needs: list[str] = field(default_factory=lambda: ["food"])


@dataclass
class FakeResult:
    hits: list[FakeHit]
    widened: Any = None
    fallback: Any = None


@pytest.fixture
def fake_search(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace `bot.search.search` with 7 fake hits, whose services the directory has no record
    of (`services_by_id` finds none); returns the list of calls made."""
    import bot.directory.lookup
    import bot.search

    calls: list[dict[str, Any]] = []

    def search(need: str, place: Any = None, **kwargs: Any) -> FakeResult:
        calls.append({"need": need, "place": place, **kwargs})
        hits = [
            FakeHit(
                service_id=f"s{i}",
                name=f"Service {i}",
                open_now=i % 2 == 1,
                next_opening=None if i % 2 else datetime.now().astimezone() + timedelta(days=1),
            )
            for i in range(1, 8)
        ]
        return FakeResult(hits=hits[: kwargs.get("limit", 5)])

    monkeypatch.setattr(bot.search, "search", search, raising=False)
    monkeypatch.setattr(bot.directory.lookup, "services_by_id", lambda ids, language: {})
    return calls


def place_slot(code: str, name: str, *, in_territory: bool = True) -> dict[str, Any]:
    """The `place` slot as the NLU fills it (bot.dialogue.place.Where), for a municipality."""
    from bot.dialogue.place import Where

    return Where(code_geo=code, name=name, label=name, in_territory=in_territory).as_slot()


LAVAL = place_slot("65005", "Laval")
