"""`MessageComponent`: what every rule component of the NLU shares with Rasa's graph.

The places, language, crisis, needs and profile components are not trained: each reads its
data (gazetteer, lexicon) once, then looks at one message at a time and may add entities.
This base holds that plumbing (STYLE.md §1), so each component is only its own decision:
`__init__(config)` loads what it needs, `process_message(message)` decides.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


class MessageComponent(GraphComponent, EntityExtractorMixin):
    """An untrained component that handles messages one by one."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = {**self.get_default_config(), **(config or {})}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageComponent:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.process_message(message)
        return messages

    @abstractmethod
    def process_message(self, message: Message) -> None:
        """Read the message, and set its properties or entities."""

    def add_entities(self, message: Message, new: list[dict[str, Any]]) -> None:
        """Append `new` entities (stamped with this extractor's name) to the message's."""
        if not new:
            return
        entities = [*message.get(ENTITIES, []), *self.add_extractor_name(new)]
        message.set(ENTITIES, entities, add_to_output=True)


def ranked_confidence(message: Message, name: str) -> float:
    """The confidence the ranking gives `name` (0 when it is not ranked)."""
    return next(
        (
            float(entry.get("confidence") or 0.0)
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get("name") == name
        ),
        0.0,
    )


def choose_intent(
    message: Message, name: str, confidence: float = 1.0, replaced: Iterable[str] = ()
) -> None:
    """Make `name` the message's intent with `confidence`, first in the ranking; it and the
    intents it `replaced` leave the rest of the ranking (the rule components' one way to
    overrule the classifier)."""
    gone = {name, *replaced}
    chosen = {"name": name, "confidence": confidence}
    rest = [
        entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get("name") not in gone
    ]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen, *rest], add_to_output=True)
