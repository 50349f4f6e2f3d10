"""`referral_form`: asks where the person is, politely again when the place is unknown.

The place itself comes from the NLU through the `place` slot's mappings (domain/slots.yml);
this only notices an answer to "where?" that named no place it knows, and a need said instead
of a place ("non c'est pas ça, il consomme de la drogue" after "je vais chercher des ressources
pour les jeunes… dans quelle ville?"), which Rasa's form rejected into "pouvez-vous reformuler?".
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.dialogue.place import PLACE_SLOT

from .base import RelaisAction

REASK_INTENTS = frozenset({"provide_place", "nlu_fallback", "affirm", "deny"})
"""Intents that, while the place is asked, mean "here is my place" even if it is not found."""
NEED_PREFIX = "need_"
"""A need intent while the place is asked: the need is corrected or restated (the `need` slot
took it); the place is asked again, and the question says what is now searched (the NLG)."""


class ValidateReferralForm(FormValidationAction):
    """Re-asks politely when the answer to "where?" is no place the gazetteer knows."""

    def name(self) -> str:
        return "validate_referral_form"

    async def extract_place(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != PLACE_SLOT:
            return {}
        if PLACE_SLOT in tracker.slots_to_validate():
            return {}
        intent = RelaisAction.latest_intent(tracker)
        if intent.startswith(NEED_PREFIX):
            return {PLACE_SLOT: None}  # the question again, without "place not found"
        if intent not in REASK_INTENTS:
            return {}  # another intent (a human, a crisis, a greeting): let the rules answer
        dispatcher.utter_message(response="utter_place_not_found")
        return {PLACE_SLOT: None}

    async def validate_place(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {PLACE_SLOT: value or None}
