"""What every Relais action shares: the conversation's language, read the same way."""

from __future__ import annotations

import abc
from typing import Any

from rasa_sdk import Action, Tracker

from bot.dialogue.language import conversation_language
from bot.dialogue.place import PLACE_SLOT


class RelaisAction(Action, abc.ABC):
    """Base of the custom actions; abstract, so the action server does not register it."""

    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    @staticmethod
    def language(tracker: Tracker) -> str:
        """The language to answer in (`fr` or `en`)."""
        return conversation_language(tracker.get_slot("language"))

    @staticmethod
    def latest_intent(tracker: Tracker) -> str:
        return (tracker.latest_message.get("intent") or {}).get("name") or ""

    @staticmethod
    def latest_entities(tracker: Tracker) -> list[dict[str, Any]]:
        return list(tracker.latest_message.get("entities") or [])

    @staticmethod
    def place_is_asked(tracker: Tracker) -> bool:
        """Whether the referral form is waiting for the place (the question "where?" is open)."""
        return tracker.get_slot("requested_slot") == PLACE_SLOT and bool(tracker.active_loop_name)
