"""A button's title typed instead of pressed means the button (bot/nlu/typed_buttons.py)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue.responses import TYPED_BUTTONS
from bot.nlu.typed_buttons import TypedButtonIntent, typed_titles
from bot.texts import t


def parsed(text: str, intent: str, confidence: float = 0.3) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}])
    return message


def test_every_title_in_both_languages_means_its_payload() -> None:
    titles = typed_titles()
    for title_key, payload in TYPED_BUTTONS:
        for language in ("fr", "en"):
            title = t(title_key, language)
            message = parsed(title, "more_results")
            TypedButtonIntent({}).process_message(message)
            assert message.get(INTENT)["name"] == payload.removeprefix("/"), title
    assert titles["un autre besoin"] == "need_unspecified"


@pytest.mark.parametrize(
    ("typed", "intent"),
    [
        ("un autre besoin", "need_unspecified"),  # read as more results
        ("Un autre besoin.", "need_unspecified"),
        ("that's all thanks!", "goodbye"),  # read as thanks: no goodbye
        ("biens essentiels", "need_material"),  # fell back
        ("Something else", "need_unspecified"),
        ("yes call me back", "affirm"),  # read as asking for a person
    ],
)
def test_a_title_typed_as_people_type_it(typed: str, intent: str) -> None:
    message = parsed(typed, "more_results")
    TypedButtonIntent({}).process_message(message)
    assert message.get(INTENT) == {"name": intent, "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == intent


def test_more_than_a_title_and_a_crisis_are_left_alone() -> None:
    longer = parsed("un autre besoin pour ma mère, elle a pas de lit", "need_material", 0.8)
    TypedButtonIntent({}).process_message(longer)
    assert longer.get(INTENT)["name"] == "need_material"
    crisis = parsed("Violence", "crisis_violence", 0.9)
    TypedButtonIntent({}).process_message(crisis)
    assert crisis.get(INTENT)["name"] == "crisis_violence"


def test_one_title_one_meaning() -> None:
    with pytest.raises(ValueError, match="non merci"):
        typed_titles(
            (("handoff.button.consent_no", "/deny"), ("handoff.button.callback_no", "/affirm"))
        )
