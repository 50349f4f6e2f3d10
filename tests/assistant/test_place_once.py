"""The place is computed once per message: the gazetteer decides in the NLU, and nothing after
it (Rasa's slot extraction, the form, the search action, the search) asks again.

Every public way of deciding a place (`read`, `match`, `resolve`, `reverse`, `postal_code`) is
counted, nested calls inside one decision counting once, through a whole turn: the real NLU
component, Rasa's real slot extraction with domain.yml, the real `action_search_services`
and the real search on the demo directory.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.search import ActionSearchServices
from bot.nlu.places import PlaceEntityExtractor
from bot.places.gazetteer import Gazetteer
from bot.settings import DOMAIN_PATH

DECIDING = ("read", "match", "resolve", "reverse", "postal_code")


class Counter:
    """Top-level calls to the gazetteer's deciding methods (a call inside another is one)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._depth = threading.local()

    def wrap(self, name: str, method: Any) -> Any:
        def counted(gazetteer: Gazetteer, *args: Any, **kwargs: Any) -> Any:
            depth = getattr(self._depth, "value", 0)
            if depth == 0:
                self.calls.append(name)
            self._depth.value = depth + 1
            try:
                return method(gazetteer, *args, **kwargs)
            finally:
                self._depth.value = depth

        return counted


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    count = Counter()
    for name in DECIDING:
        monkeypatch.setattr(Gazetteer, name, count.wrap(name, getattr(Gazetteer, name)))
    yield count


@pytest.fixture
def demo_search(monkeypatch: pytest.MonkeyPatch, demo_index: Any) -> None:
    """The real search, on the demo directory's index."""
    from bot.search import engine

    monkeypatch.setattr(engine, "get_index", lambda: demo_index)


async def one_turn(text: str, intent: str, metadata: dict[str, Any] | None = None) -> list[dict]:
    """NLU → Rasa's slot extraction → `action_search_services`; the bot's messages."""
    domain = Domain.load(str(DOMAIN_PATH))
    message = Message({"text": text, "metadata": metadata or {}})
    PlaceEntityExtractor({}).process([message])
    parse = {"text": text, "intent": {"name": intent, "confidence": 1.0},
             "entities": message.get("entities", [])}  # fmt: skip
    tracker = DialogueStateTracker.from_events(
        "once",
        [SlotSet("need", "food"), UserUttered(text, parse["intent"], parse["entities"], parse)],
        slots=domain.slots,
    )
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    tracker.update_with_events(
        await ActionExtractSlots(None).run(CollectingOutputChannel(), nlg, tracker, domain),
        domain,
    )
    dispatcher = CollectingDispatcher()
    sdk_tracker = Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))
    await ActionSearchServices().run(dispatcher, sdk_tracker, domain.as_dict())
    return dispatcher.messages


@pytest.mark.parametrize(
    ("text", "intent", "metadata"),
    [
        ("j'ai besoin de nourriture à Verdun", "need_food", None),
        ("H2X 1Y4", "provide_place", None),
        ("verdunn", "provide_place", None),
        ("📍 Ma position (partagée)", "provide_place", {"location": {"lat": 45.56, "lon": -73.71}}),
    ],
)
async def test_one_decision_per_message(counter, demo_search, text, intent, metadata):
    messages = await one_turn(text, intent, metadata)
    assert any((m.get("custom") or {}).get("type") == "service_results" for m in messages)
    assert len(counter.calls) == 1, counter.calls


async def test_the_counter_sees_a_second_decision(counter):
    """The count can fail: a second lookup of the place would be seen."""
    from bot.places.gazetteer import get_gazetteer

    get_gazetteer().read("Laval")
    get_gazetteer().resolve("Laval")
    assert counter.calls == ["read", "resolve"]
