"""`referral_form`: asks where the person is, politely again when the place is unknown.

The place itself comes from the NLU through the `place` slot's mappings (domain/slots.yml);
this only notices an answer to "where?" that named no place it knows, and a need said instead
of a place, which Rasa's form rejected into "pouvez-vous reformuler?": a correction ("non c'est
pas ça, il consomme de la drogue") replaces the need understood, anything else adds to it ("I
need a food bank", then "I don't know, I'm homeless": food and shelter); and "why do you need
my location?" is told why, not "I can't find that place".
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.dialogue.asked import known_need, stated_in
from bot.dialogue.place import PLACE_SLOT
from bot.directory.needs import NEED_PREFIX
from bot.nlu.replies import asks_why_place, corrects

from .base import RelaisAction

REASK_INTENTS = frozenset({"provide_place", "nlu_fallback", "affirm", "deny"})
"""Intents that, while the place is asked, mean "here is my place" even if it is not found. A
need intent then (`NEED_PREFIX`) corrects or adds to the need; the place is asked again, and
the question says what is now searched (the NLG)."""


def need_before_this_message(tracker: Tracker) -> str | None:
    """The `need` slot as it was before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == "need":
            return known_need(event.get("value"))
    return None


def needs_with_new_one(tracker: Tracker) -> dict[str, Any]:
    """Slots for a need written while the place is asked: kept as Rasa set them for a
    correction, else the need asked first, then the new ones."""
    before = need_before_this_message(tracker)
    now = known_need(tracker.get_slot("need"))
    if before is None or now is None or before == now:
        return {}
    if corrects(str(tracker.latest_message.get("text") or "")):
        return {}
    latest: dict[str, Any] = next(
        (e for e in reversed(tracker.events) if e.get("event") == "user"), {}
    )
    listed = tracker.get_slot("needs")
    stated = [n for n in listed if stated_in(latest, n)] if isinstance(listed, list) else []
    return {"need": before, "needs": list(dict.fromkeys([before, *(stated or [now])]))}


class ValidateReferralForm(FormValidationAction):
    """Re-asks politely when the answer to "where?" is no place the gazetteer knows."""

    def name(self) -> str:
        return "validate_referral_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The form's slots, and the needs when one was written while the place is asked
        (not form slots: the form's own validation would drop them)."""
        asked = RelaisAction.place_is_asked(tracker)
        intent = RelaisAction.latest_intent(tracker)
        needs = needs_with_new_one(tracker) if asked and intent.startswith(NEED_PREFIX) else {}
        events = await super().run(dispatcher, tracker, domain)
        return [*events, *(SlotSet(name, value) for name, value in needs.items())]

    async def extract_place(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not RelaisAction.place_is_asked(tracker):
            return {}
        if PLACE_SLOT in tracker.slots_to_validate():
            return {}
        intent = RelaisAction.latest_intent(tracker)
        answering = intent in REASK_INTENTS or intent.startswith(NEED_PREFIX)
        if not answering:
            return {}  # another intent (a human, a crisis, a greeting): let the rules answer
        if asks_why_place(str(tracker.latest_message.get("text") or "")):
            # "why do you need my location?" (read as a place), "pourquoi vous voulez savoir
            # ça?" (read as a need): why, and how little is needed; then the question again
            dispatcher.utter_message(response="utter_place_why")
        elif not intent.startswith(NEED_PREFIX):
            dispatcher.utter_message(response="utter_place_not_found")
        # a need: the question again, saying what is now searched
        return {PLACE_SLOT: None}

    async def validate_place(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {PLACE_SLOT: value or None}
