"""Fixtures of the NLU tests: Rasa component plumbing (STYLE.md §4) and the trained model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

NLU_TESTS = Path(__file__).resolve().parent


@pytest.fixture
def model_storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


@pytest.fixture
def make_component(model_storage: LocalModelStorage) -> Callable[..., Any]:
    """`make_component(Cls, **config)`: a component created as Rasa would create it."""

    def make(cls: type, **config: Any) -> Any:
        return cls.create(
            {**cls.get_default_config(), **config},
            model_storage,
            Resource(cls.__name__),
            ExecutionContext(GraphSchema({}), "test"),
        )

    return make


def _message(
    text: str,
    intent: str | None = None,
    confidence: float = 0.9,
    ranking: list[tuple[str, float]] | None = None,
) -> Message:
    """A message as the classifier leaves it (intent and ranking optional)."""
    msg = Message({"text": text})
    if intent:
        msg.set("intent", {"name": intent, "confidence": confidence})
        items = ranking or [(intent, confidence)]
        msg.set("intent_ranking", [{"name": n, "confidence": c} for n, c in items])
    return msg


def _entity_values(msg: Message, entity: str) -> list[Any]:
    return [e["value"] for e in msg.get("entities", []) if e["entity"] == entity]


@pytest.fixture
def message() -> Callable[..., Message]:
    """`message(text, intent=None, confidence=0.9, ranking=None)`."""
    return _message


@pytest.fixture
def entity_values() -> Callable[[Message, str], list[Any]]:
    """`entity_values(msg, "need")`: the values of one entity type, in order."""
    return _entity_values


@pytest.fixture(scope="session")
def trained_agent() -> Any:
    """The assistant's model of the current config and data (trained once, cached under models/,
    and shared with the end-to-end tests: its NLU is the very pipeline the bot uses)."""
    from bot.ops.training import ensure_model
    from bot.ops.understand import load_agent

    return load_agent(ensure_model())
