"""`OtherLanguageIntent`: a message plainly written in a language the assistant does not speak
gets the intent `other_language`, so the dialogue answers it in that language (the "call 211,
an interpreter can help you" text of the catalog) before going on in French or English.

The language is decided by `LanguageDetector` (entity `other_language`, only when plain); this
component only turns it into the intent. A crisis keeps its crisis intent: the lines and the
counsellor come first, whatever the language. A need written in French or English that asks
for a service in a third language ("un psychologue gratuit, en espagnol idéalement", "a
lawyer who speaks arabic") keeps its need: the person reads French or English, and answering
in Spanish lost what they asked for.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.component import MessageComponent
from bot.nlu.crisis import is_crisis_intent
from bot.nlu.language import OTHER_LANGUAGE_ENTITY, OWN
from bot.nlu.needs import need_of_intent

OTHER_LANGUAGE_INTENT = "other_language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherLanguageIntent(MessageComponent):
    """Sets the intent `other_language` when the message is in a third language."""

    def process_message(self, message: Message) -> None:
        if not any(e.get("entity") == OTHER_LANGUAGE_ENTITY for e in message.get(ENTITIES, [])):
            return
        intent: dict[str, Any] = message.get(INTENT) or {}
        name = str(intent.get("name") or "")
        if is_crisis_intent(name) or self._need_in_another_language(message, name):
            return
        chosen = {"name": OTHER_LANGUAGE_INTENT, "confidence": 1.0}
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get("name") != OTHER_LANGUAGE_INTENT
        ]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)

    @staticmethod
    def _need_in_another_language(message: Message, intent: str) -> bool:
        """A need written in French or English, the third language only named in it."""
        written = message.get("language")
        requested = message.get("language_requested")
        return bool(requested) and written in OWN and need_of_intent(intent) is not None
