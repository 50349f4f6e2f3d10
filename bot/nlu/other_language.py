"""`OtherLanguageIntent`: what a language named or written in a message means for its intent.

A message plainly written in a language the assistant does not speak gets the intent
`other_language`, so the dialogue answers it in that language (the "call 211, an interpreter can
help you" text of the catalog) before going on in French or English.

The language is decided by `LanguageDetector` (entity `other_language`, only when plain); this
component only turns it into the intent. A crisis keeps its crisis intent: the lines and the
counsellor come first, whatever the language. A need written in French or English that asks
for a service in a third language ("un psychologue gratuit, en espagnol idéalement", "a
lawyer who speaks arabic with me") keeps its need: the person reads French or English, and
answering in Spanish lost what they asked for.

A question about the language of the services shown (the detector's property
`service_language`: "is it in english?", "ya tu un endroit qui parle arabe?", "le premier
avocat, y parle tu anglais?") is `ask_service_details`, which the classifier sometimes reads as
a request to switch (`change_language`) or as chat: the answer says which cards list the
language. A crisis keeps its intent, and so does a need unless a card shown is named ("un
avocat qui parle espagnol, y en a tu?" is a new search; "le premier avocat…" is about a card).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue.details import DETAILS_INTENT
from bot.nlu.component import MessageComponent, choose_intent
from bot.nlu.crisis import is_crisis_intent
from bot.nlu.language import OTHER_LANGUAGE_ENTITY, OWN, SERVICE_LANGUAGE, names_a_card
from bot.nlu.needs import need_of_intent

OTHER_LANGUAGE_INTENT = "other_language"
KEPT_BESIDE_A_LANGUAGE_QUESTION = frozenset({"ask_human", "restart"})
"""Intents a question about a service's language does not override (besides crises and
needs): asking for a person, starting over."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherLanguageIntent(MessageComponent):
    """Sets the intent `other_language` when the message is in a third language, and
    `ask_service_details` when it asks which language the services shown speak."""

    def process_message(self, message: Message) -> None:
        intent: dict[str, Any] = message.get(INTENT) or {}
        name = str(intent.get("name") or "")
        if any(e.get("entity") == OTHER_LANGUAGE_ENTITY for e in message.get(ENTITIES, [])):
            if not (is_crisis_intent(name) or self._need_in_another_language(message, name)):
                choose_intent(message, OTHER_LANGUAGE_INTENT)
            return
        if self._asks_a_services_language(message, name):
            choose_intent(message, DETAILS_INTENT)

    @staticmethod
    def _need_in_another_language(message: Message, intent: str) -> bool:
        """A need written in French or English, the third language only named in it."""
        written = message.get("language")
        requested = message.get("language_requested")
        return bool(requested) and written in OWN and need_of_intent(intent) is not None

    @staticmethod
    def _asks_a_services_language(message: Message, intent: str) -> bool:
        """A question about the language of the services shown (also when the classifier read
        it so, unsurely: "un endroit qui parle espagnol" was a fallback, 0.22 against 0.20)."""
        if not message.get(SERVICE_LANGUAGE):
            return False
        if is_crisis_intent(intent) or intent in KEPT_BESIDE_A_LANGUAGE_QUESTION:
            return False
        if need_of_intent(intent) is not None or intent == "need_unspecified":
            return names_a_card(message.get(TEXT) or "")
        return True
