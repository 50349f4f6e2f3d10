"""`referral_form`: asks where the person is, politely again when the place is unknown."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.assistant.dialogue import REASK_INTENTS

from .base import RelaisAction


class ValidateReferralForm(FormValidationAction):
    """The place itself is extracted for every message by `action_validate_slot_mappings`."""

    def name(self) -> str:
        return "validate_referral_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Skip the place when shared coordinates already locate the person."""
        if tracker.get_slot("lat") is not None and tracker.get_slot("municipality"):
            return [slot for slot in domain_slots if slot != "municipality"]
        return domain_slots

    async def extract_municipality(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "municipality":
            return {}
        if "municipality" in tracker.slots_to_validate():
            return {}
        if RelaisAction.latest_intent(tracker) not in REASK_INTENTS:
            return {}  # another intent (a human, a crisis, a new need): let the rules answer
        dispatcher.utter_message(response="utter_place_not_found")
        return {"municipality": None}

    async def validate_municipality(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"municipality": value or None}
