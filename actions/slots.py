"""Slots filled outside the form, on every message (`action_validate_slot_mappings`).

- the place: "non, à Laval" corrects the municipality at any point of the conversation;
- the language: a message in a language other than French or English gets the "call 211
  with an interpreter" answer in that language, then the conversation goes on in the
  language it had.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from bot.assistant.dialogue import message_place
from bot.texts import LANGUAGES

from .base import RelaisAction


def previous_language(tracker: Tracker) -> str:
    """The last French/English value the `language` slot had before this message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif (
            seen_user
            and event.get("event") == "slot"
            and event.get("name") == "language"
            and event.get("value") in LANGUAGES
        ):
            return event["value"]
    return LANGUAGES[0]


class ValidatePredefinedSlots(ValidationAction):
    """Global extraction and validation of the place and language slots."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def extract_municipality(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = tracker.latest_message
        located = message_place(
            RelaisAction.latest_intent(tracker),
            message.get("text") or "",
            message.get("entities") or [],
            message.get("metadata") or {},
            tracker.get_slot("requested_slot"),
        )
        return located.slots() if located else {}

    async def validate_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value in LANGUAGES or not value:
            return {"language": value}
        # The slot holds the other language while Rasa renders this response, so the
        # matching variation (es, ar, ht…) is chosen; then the conversation language returns.
        dispatcher.utter_message(response="utter_other_language")
        return {"language": previous_language(tracker)}
