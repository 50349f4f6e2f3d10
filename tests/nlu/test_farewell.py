"""Thanks said with a goodbye is a goodbye (bot/nlu/farewell.py)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.farewell import FarewellIntent


def parsed(text: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message(data={TEXT: text})
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT, entries[0])
    message.set(INTENT_RANKING_KEY, entries)
    return message


@pytest.mark.parametrize(
    "text",
    [
        "thank you so much, bye",  # thanks 0.51, goodbye 0.48: "Anything else?"
        "thanks, that's all",
        "Thanks!! have a good night",
        "ok thank u see ya",
        "merci beaucoup, c'est tout pour moi",
        "Merci! Bonne soirée",
        "merci ben, à la prochaine",
        "merci c'est beau",
    ],
)
def test_thanks_with_a_goodbye_is_a_goodbye(text: str) -> None:
    message = parsed(text, [("thanks", 0.51), ("goodbye", 0.45), ("greet", 0.04)])
    FarewellIntent({}).process_message(message)
    assert message.get(INTENT) == {"name": "goodbye", "confidence": pytest.approx(0.96)}
    assert [e["name"] for e in message.get(INTENT_RANKING_KEY)] == ["goodbye", "greet"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("thank you so much", "thanks"),  # thanks alone: "Anything else?" is right
        ("merci, elle a plus de 80 ans", "thanks"),
        ("thanks, is it open tomorrow? bye", "ask_service_details"),  # a question first
        ("merci, bonne journée", "goodbye"),  # already a goodbye
    ],
)
def test_other_messages_keep_their_intent(text: str, intent: str) -> None:
    message = parsed(
        text, [(intent, 0.7), ("thanks", 0.2)] if intent != "thanks" else [(intent, 0.7)]
    )
    FarewellIntent({}).process_message(message)
    assert message.get(INTENT)["name"] == intent
