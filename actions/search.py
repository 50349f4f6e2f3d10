"""`action_search_services`: the 3 nearest fitting services, as text and as cards."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.assistant import dialogue
from bot.settings import TIMEZONE
from bot.texts import t

from .base import RelaisAction

PER_PAGE = 3


def _results_buttons(need: str, page: int, language: str, more: bool) -> list[dict[str, str]]:
    buttons = []
    if more:
        payload = f"/need_{need}" + json.dumps({"page": page + 1})
        buttons.append({"title": t("dialogue.button.more_options", language), "payload": payload})
    buttons += [
        {"title": t("dialogue.button.other_need", language), "payload": "/need_unspecified"},
        {"title": t("dialogue.button.counsellor", language), "payload": "/ask_human"},
        {"title": t("dialogue.button.done", language), "payload": "/goodbye"},
    ]
    return buttons


def _place_changed_this_turn(tracker: Tracker) -> bool:
    """Whether this message set the municipality (events since the latest user message)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == "municipality":
            return True
    return False


class ActionSearchServices(RelaisAction):
    """Searches for the need near the place; refers outside the territory."""

    def name(self) -> str:
        return "action_search_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        from bot.places.territory import is_served, referral_for

        language = self.language(tracker)
        need = tracker.get_slot("need")
        code = tracker.get_slot("municipality")
        lat, lon = tracker.get_slot("lat"), tracker.get_slot("lon")
        if (
            self.latest_intent(tracker) == dialogue.MORE_RESULTS_INTENT
            and tracker.active_loop_name
        ):
            return []  # no results yet: the form asking the place speaks for itself
        if self.latest_intent(tracker) == "deny" and not _place_changed_this_turn(tracker):
            dispatcher.utter_message(response="utter_anything_else")
            return []
        if code and not is_served(code):
            # said at once, even before the need: nothing here can help there
            referral = referral_for(code)
            dispatcher.utter_message(
                response="utter_outside_territory", referral=referral.text(language)
            )
            dispatcher.utter_message(response="utter_outside_territory_next")
            return []
        if not need:
            if code:
                dispatcher.utter_message(response="utter_place_noted")
            dispatcher.utter_message(response="utter_ask_need")
            return []
        if not code:
            dispatcher.utter_message(response="utter_ask_municipality")
            return []
        await self._show_results(dispatcher, tracker, language, need, code, lat, lon)
        return []

    async def _show_results(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        language: str,
        need: str,
        code: str,
        lat: float | None,
        lon: float | None,
    ) -> None:
        from bot.search import search

        page = dialogue.page_to_show(
            self.latest_intent(tracker), self.latest_entities(tracker), tracker.events, need
        )
        result = await asyncio.to_thread(
            search,
            need,
            place=code,
            lat=lat,
            lon=lon,
            language=language,
            limit=PER_PAGE * page + 1,
        )
        hits = dialogue.page_of(list(result.hits), page, PER_PAGE)
        place_name = tracker.get_slot("place_name") or t("dialogue.place.near_you", language)
        if not hits:
            if page > 1:
                dispatcher.utter_message(response="utter_no_more_results")
            else:
                fallback = dialogue.fallback_text(result.fallback, language)
                dispatcher.utter_message(
                    response="utter_no_results", fallback=fallback, place_name=place_name
                )
                dispatcher.utter_message(response="utter_anything_else")
            return
        now = datetime.now(ZoneInfo(TIMEZONE))
        cards = [
            dialogue.service_card(hit, PER_PAGE * (page - 1) + i, language, now)
            for i, hit in enumerate(hits, start=1)
        ]
        payload: dict[str, Any] = {
            "type": "service_cards",
            "language": language,
            "need": need,
            "page": page,
            "cards": [{k: v for k, v in card.items() if k != "text_vars"} for card in cards],
        }
        need_label = t(f"need.{need}.label", language).lower()
        dispatcher.utter_message(
            response="utter_results_intro",
            need_label=need_label,
            place_name=place_name,
            json_message=payload,
        )
        if page == 1 and result.widened:
            dispatcher.utter_message(response="utter_results_widened")
        for card in cards:
            dispatcher.utter_message(response="utter_service_card", **card["text_vars"])
        more = len(result.hits) > PER_PAGE * page
        dispatcher.utter_message(
            response="utter_results_menu", buttons=_results_buttons(need, page, language, more)
        )
