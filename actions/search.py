"""`action_search_services`: the nearest fitting services, as one results payload."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue import paging, results
from bot.dialogue.asked import known_need, what_was_asked
from bot.dialogue.place import PLACE_SLOT, Where
from bot.directory.needs import need_label, need_resources
from bot.nlu.crisis import NEED_AFTER_CRISIS
from bot.texts import formats, t

from .base import RelaisAction


def _results_buttons(
    more: list[tuple[str, int]], offered: tuple[str, ...], language: str
) -> list[dict[str, str]]:
    """More of a need shown (its next page), the needs not shown yet, then the usual three."""
    several = len(more) > 1 or bool(offered)
    buttons = []
    for need, page in more:
        title = (
            t("dialogue.button.more_of_need", language, need=need_label(need, language))
            if several
            else t("dialogue.button.more_options", language)
        )
        buttons.append({"title": title, "payload": f"/need_{need}" + json.dumps({"page": page})})
    for need in offered:
        title = t("dialogue.button.see_need", language, need=need_label(need, language))
        buttons.append({"title": title, "payload": f"/need_{need}"})
    buttons += [
        {"title": t("dialogue.button.other_need", language), "payload": "/need_unspecified"},
        {"title": t("dialogue.button.counsellor", language), "payload": "/ask_human"},
        {"title": t("dialogue.button.done", language), "payload": "/goodbye"},
    ]
    return buttons


def _place_changed_this_turn(tracker: Tracker) -> bool:
    """Whether this message set the place (events since the latest user message)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == PLACE_SLOT:
            return True
    return False


class ActionSearchServices(RelaisAction):
    """Searches for the need near the place; refers outside the territory."""

    def name(self) -> str:
        return "action_search_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        from bot.places.territory import referral_for

        language = self.language(tracker)
        # after a crisis line, a place alone asks for that crisis's services ("Montréal-Nord"
        # after SOS violence conjugale: violence services there, not "what do you need?")
        stated = known_need(tracker.get_slot("need"))
        need = stated or NEED_AFTER_CRISIS.get(tracker.get_slot("crisis") or "")
        where = Where.from_slot(tracker.get_slot(PLACE_SLOT))
        intent = self.latest_intent(tracker)
        if intent == paging.MORE_RESULTS_INTENT and tracker.active_loop_name:
            return []  # no results yet: the form asking the place speaks for itself
        if intent == "deny" and not _place_changed_this_turn(tracker):
            dispatcher.utter_message(response="utter_anything_else")
            return []
        if where is not None and not where.in_territory:
            # said at once, even before the need: nothing here can help there
            referral = referral_for(where.code_geo)
            dispatcher.utter_message(
                response="utter_outside_territory", referral=referral.text(language)
            )
            dispatcher.utter_message(response="utter_outside_territory_next")
            return []
        if not need:
            if where is not None:
                dispatcher.utter_message(response="utter_place_noted", place_name=where.label)
            dispatcher.utter_message(response="utter_ask_need")
            return []
        if where is None:
            dispatcher.utter_message(response="utter_ask_place")
            return []
        await self._show_results(dispatcher, tracker, language, need, where)
        # the need decided from the crisis is the conversation's from now on (next pages,
        # questions about the cards, the counsellor's summary)
        return [] if stated else [SlotSet("need", need)]

    async def _show_results(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        language: str,
        need: str,
        where: Where,
    ) -> None:
        page = paging.page_to_show(
            self.latest_intent(tracker), self.latest_entities(tracker), tracker.events, need
        )
        asked = what_was_asked(tracker.events, need, tracker.get_slot("needs"), page=page)
        more: list[tuple[str, int]] = []
        shown_any = False
        shown_ids: set[str] = set()
        for each in asked.shown:
            found = await self._one_need(
                dispatcher, language, each, where, page, asked.words, shown_ids
            )
            shown_any = shown_any or found is not None
            if found:
                more.append((each, page + 1))
        if not shown_any:
            if page > 1:
                dispatcher.utter_message(response="utter_no_more_results")
            else:
                dispatcher.utter_message(response="utter_anything_else")
            return
        dispatcher.utter_message(
            response="utter_results_menu",
            buttons=_results_buttons(more, asked.offered, language),
        )

    async def _one_need(
        self,
        dispatcher: CollectingDispatcher,
        language: str,
        need: str,
        where: Where,
        page: int,
        words: str | None,
        shown_ids: set[str],
    ) -> bool | None:
        """One need's page of results (intro + payload): None when nothing was shown, else
        whether more pages follow. A service already shown in this answer for another need is
        left out (a shelter for women under violence and under shelter was listed twice), and
        the ones shown here are added to `shown_ids`."""
        from bot.search import search

        per_page = paging.PER_PAGE
        result = await asyncio.to_thread(
            search,
            need,
            place=where.code_geo,
            lat=where.lat,
            lon=where.lon,
            language=language,
            limit=per_page * page + 1 + len(shown_ids),
            text=words,
        )
        fresh = [hit for hit in result.hits if str(hit.service_id) not in shown_ids]
        hits = paging.page_of(fresh, page, per_page)
        if not hits:
            if page == 1:
                fallback = result.fallback  # the engine always names the 211 that can help
                dispatcher.utter_message(
                    response="utter_no_results",
                    need_label=need_label(need, language).lower(),
                    fallback=fallback.text(language) if fallback else t("211.phone_line", language),
                    place_name=where.label,
                    near_place=t("dialogue.near_place", language, place_name=where.label),
                )
            return None
        now = datetime.now(formats.TZ)
        first = per_page * (page - 1) + 1
        more = len(fresh) > per_page * page
        shown_ids.update(str(hit.service_id) for hit in hits)
        payload = results.results_payload(
            need=need,
            language=language,
            page=page,
            more=more,
            place_label=where.label,
            cards=[
                results.service_card(hit, index, language, now)
                for index, hit in enumerate(hits, start=first)
            ],
            widened=result.widened.text(language) if page == 1 and result.widened else None,
            widening=result.widened.stage if page == 1 and result.widened else None,
        )
        dispatcher.utter_message(
            response="utter_results_intro",
            resources=need_resources(need, language),
            place_name=where.label,
            near_place=t("dialogue.near_place", language, place_name=where.label),
        )
        dispatcher.utter_message(json_message=payload)
        return more
