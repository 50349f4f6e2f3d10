"""`action_clarify_need`: when unsure, offer the likely needs as buttons."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue.responses import COUNSELLOR, SOMETHING_ELSE, button, need_button
from bot.nlu.crisis import NEED_AFTER_CRISIS

from .base import RelaisAction

MAX_CHOICES = 3
MIN_CONFIDENCE = 0.05


def likely_needs(intent_ranking: list[dict], crisis: str | None = None) -> list[str]:
    """The need ids among the best-ranked intents (most likely first, at most 3); after a
    crisis line, the need that follows it comes first (violence services after SOS violence
    conjugale, whatever the unsure ranking says)."""
    after = NEED_AFTER_CRISIS.get(crisis or "")
    needs = [after] if after else []
    for entry in intent_ranking:
        name = entry.get("name") or ""
        confident = (entry.get("confidence") or 0) >= MIN_CONFIDENCE
        need = name.removeprefix("need_")
        wanted = name.startswith("need_") and name != "need_unspecified" and confident
        if wanted and need not in needs:
            needs.append(need)
    return needs[:MAX_CHOICES]


class ActionClarifyNeed(RelaisAction):
    """Low confidence: ask which need it is, or fall back politely with a counsellor."""

    def name(self) -> str:
        return "action_clarify_need"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = self.language(tracker)
        needs = likely_needs(
            tracker.latest_message.get("intent_ranking") or [], tracker.get_slot("crisis")
        )
        if not needs:
            dispatcher.utter_message(response="utter_fallback")
            return []
        buttons = [button(need_button(need), language) for need in needs]
        buttons += [button(spec, language) for spec in (SOMETHING_ELSE, COUNSELLOR)]
        dispatcher.utter_message(response="utter_clarify_need", buttons=buttons)
        return []
