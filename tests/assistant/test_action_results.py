"""The short check of action-server responses accepts and rejects exactly what Rasa's does."""

from __future__ import annotations

import copy
import inspect
import random
from datetime import datetime
from typing import Any

import jsonschema
import pytest
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events as rasa_events

from bot.runtime import action_results

SCHEMA = RemoteAction.action_response_format_spec()


def _sample_events() -> list[dict[str, Any]]:
    """One serialised event of every kind the action server may return, as rasa-sdk sends them."""
    made = [
        rasa_events.UserUttered(
            "bonjour",
            {"name": "greet", "confidence": 0.9},
            [{"entity": "place", "value": "Laval", "start": 0, "end": 5}],
            parse_data={"intent_ranking": [{"name": "greet", "confidence": 0.9}]},
            input_channel="rest",
        ),
        rasa_events.BotUttered("Bonjour!", {"buttons": [{"title": "Oui", "payload": "/affirm"}]}),
        rasa_events.SlotSet("municipality", "65005"),
        rasa_events.SlotSet("needs", ["food", "housing"]),
        rasa_events.SlotSet("location", {"lat": 45.5, "lon": -73.6}),
        rasa_events.ActionExecuted("action_search_services", policy="RulePolicy", confidence=1.0),
        rasa_events.ActiveLoop("referral_form"),
        rasa_events.ActiveLoop(None),
        rasa_events.FollowupAction("action_listen"),
        rasa_events.ConversationPaused(),
        rasa_events.ConversationResumed(),
        rasa_events.AllSlotsReset(),
        rasa_events.Restarted(),
        rasa_events.UserUtteranceReverted(),
        rasa_events.ActionReverted(),
        rasa_events.SessionStarted(),
        rasa_events.ReminderScheduled("need_food", datetime(2026, 11, 24, 9, 0), name="rappel"),
        rasa_events.ReminderCancelled(name="rappel"),
        rasa_events.ActionExecutionRejected("referral_form"),
        rasa_events.LoopInterrupted(True),
        rasa_events.EntitiesAdded([{"entity": "place", "value": "Laval"}]),
        rasa_events.AgentUttered("salut"),
        rasa_events.StoryExported("story.yml"),
    ]
    return [event.as_dict() for event in made]


def _mutations(event: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """Events that are almost right: each field given a wrong type, dropped, or renamed."""
    variants = []
    wrong_values = [None, 3, 2.5, "texte", [], {}, True]
    for key in event:
        for value in rng.sample(wrong_values, 3):
            changed = copy.deepcopy(event)
            changed[key] = value
            variants.append(changed)
        dropped = copy.deepcopy(event)
        del dropped[key]
        variants.append(dropped)
    for name in ("unknown", "Slot", "", "bot "):
        renamed = copy.deepcopy(event)
        renamed["event"] = name
        variants.append(renamed)
    return variants


def _responses() -> list[Any]:
    rng = random.Random(211)
    samples = _sample_events()
    good = [{"events": samples, "responses": [{"text": "Bonjour"}]}, {}, {"events": []}]
    bad_shapes: list[Any] = [
        [],
        "texte",
        None,
        {"events": {}},
        {"events": "slot"},
        {"events": [3]},
        {"events": [None]},
        {"responses": [3]},
        {"responses": {}},
    ]
    mutated = [
        {"events": [samples[0], variant], "responses": []}
        for event in samples
        for variant in _mutations(event, rng)
    ]
    return good + bad_shapes + mutated


def test_rasa_still_validates_with_jsonschema_validate():
    """The reference below is `jsonschema.validate` with its schema check done once."""
    source = inspect.getsource(RemoteAction._validate_action_result)
    assert "validate(result, self.action_response_format_spec())" in source


REFERENCE = validator_for(SCHEMA)(SCHEMA)


def _rasa_accepts(result: Any) -> tuple[bool, str | None]:
    """What `jsonschema.validate(result, SCHEMA)` decides, and its error's message."""
    error = best_match(REFERENCE.iter_errors(result))
    return (True, None) if error is None else (False, error.message)


def test_every_alternative_is_known_by_its_event_name():
    validator = action_results.response_validator()
    assert validator.split
    assert set(validator.by_event) >= {event["event"] for event in _sample_events()}


def test_every_sample_event_is_valid_for_rasa():
    for event in _sample_events():
        assert _rasa_accepts({"events": [event]}) == (True, None), event


@pytest.mark.parametrize("result", _responses())
def test_same_verdict_and_message_as_rasa(result: Any):
    accepted, message = _rasa_accepts(result)
    assert action_results.response_validator().is_valid(result) is accepted
    if accepted:
        assert action_results.validate_action_result(None, result) is True
    else:
        with pytest.raises(jsonschema.ValidationError) as raised:
            action_results.validate_action_result(None, result)
        assert raised.value.message.startswith(message)
        assert "Failed to validate Action server response" in raised.value.message


def test_a_mix_of_verdicts_is_tested():
    verdicts = {_rasa_accepts(result)[0] for result in _responses()}
    assert verdicts == {True, False}
