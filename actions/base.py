"""What every Relais action shares: the conversation's language, read the same way."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from rasa_sdk import Action, Tracker

from bot.dialogue.asked import known_need
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

    @staticmethod
    def needs_named(tracker: Tracker) -> list[str]:
        """Every need the person named, the main one first."""
        listed = tracker.get_slot("needs")
        named = [tracker.get_slot("need"), *(listed if isinstance(listed, list) else [])]
        return list(
            dict.fromkeys(n for n in named if known_need(n))
        )  # a slash command sets anything

    @staticmethod
    async def services_of(
        cards: Sequence[Mapping[str, Any]], language: str
    ) -> dict[str, dict[str, Any]]:
        """The directory's records of the cards' services, by id (off the event loop)."""
        from bot.directory.lookup import services_by_id

        ids = [str(card.get("service_id")) for card in cards]
        return await asyncio.to_thread(services_by_id, ids, language)
