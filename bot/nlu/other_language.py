"""`OtherLanguageIntent`: a message plainly written in a language the assistant does not speak
gets the intent `other_language`, so the dialogue answers it in that language (the "call 211,
an interpreter can help you" text of the catalog) before going on in French or English.

The language is decided by `LanguageDetector` (entity `other_language`, only when plain); this
component only turns it into the intent. A crisis keeps its crisis intent: the lines and the
counsellor come first, whatever the language.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.component import MessageComponent
from bot.nlu.crisis import is_crisis_intent
from bot.nlu.language import OTHER_LANGUAGE_ENTITY

OTHER_LANGUAGE_INTENT = "other_language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherLanguageIntent(MessageComponent):
    """Sets the intent `other_language` when the message is in a third language."""

    def process_message(self, message: Message) -> None:
        if not any(e.get("entity") == OTHER_LANGUAGE_ENTITY for e in message.get(ENTITIES, [])):
            return
        intent: dict[str, Any] = message.get(INTENT) or {}
        if is_crisis_intent(intent.get("name") or ""):
            return
        chosen = {"name": OTHER_LANGUAGE_INTENT, "confidence": 1.0}
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get("name") != OTHER_LANGUAGE_INTENT
        ]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)
