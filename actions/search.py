"""`action_search_services`: the nearest fitting services, as one results payload."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue import paging, results
from bot.dialogue.asked import known_need, what_was_asked
from bot.dialogue.cards import latest_cards
from bot.dialogue.details import ask_them, described
from bot.dialogue.helplines import helplines
from bot.dialogue.place import PLACE_SLOT, Where
from bot.dialogue.responses import COUNSELLOR, DONE, OTHER_NEED, button
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
    buttons += [button(spec, language) for spec in (OTHER_NEED, COUNSELLOR, DONE)]
    return buttons


@dataclass(frozen=True)
class _FoundPage:
    """One need's page of results, before it is sent."""

    need: str
    hits: list[Any]
    more: bool
    result: Any


def _shown_just_before(found: list[_FoundPage], events: list[dict[str, Any]]) -> set[str]:
    """The needs whose page found here is exactly the one the latest answer showed for them
    (same services, same order): the same list again."""
    latest: dict[str, list[str]] = {}
    for card in latest_cards(events):
        latest.setdefault(str(card.get("need")), []).append(str(card.get("service_id")))
    return {
        page.need
        for page in found
        if page.hits and latest.get(page.need) == [str(hit.service_id) for hit in page.hits]
    }


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
        if not stated:
            # a place given right after a crisis line ("chu a verdun" after "jai ramassé
            # toutes mes pilules") may be a call for help to come: the line again, in fewer
            # words (bot/runtime/nlg.py), before that crisis's services
            dispatcher.utter_message(response=f"utter_crisis_{tracker.get_slot('crisis')}")
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
        found = await self._find(language, asked.shown, where, page, asked.words)
        more = [(page_.need, page + 1) for page_ in found if page_.hits and page_.more]
        same = _shown_just_before(found, tracker.events) if page == 1 else set()
        if same and all(page_.need in same for page_ in found if page_.hits):
            # "do they help with the Régie du logement too?" found the same housing list: said
            # again, it answers nothing; what the directory says of the topic, else the cards
            # above are named, with whom to ask
            cards = latest_cards(tracker.events)
            services = await self.services_of(cards, language)
            said = str(tracker.latest_message.get("text") or "")
            dispatcher.utter_message(
                text=described(said, cards, services, language)
                or ask_them(cards, language, again=True)
            )
            dispatcher.utter_message(
                response="utter_results_menu",
                buttons=_results_buttons(more, asked.offered, language),
            )
            return
        if page == 1:
            for key in helplines([need, *self.needs_named(tracker)]):
                dispatcher.utter_message(text=t(key, language))
        for need in same:  # "pis pour le chômage?": the new need's list only
            dispatcher.utter_message(
                text=t("dialogue.results.same_as_above", language, need=need_label(need, language))
            )
        found = [page_ for page_ in found if page_.need not in same]
        if not any(page_.hits for page_ in found):
            if page > 1:
                dispatcher.utter_message(response="utter_no_more_results")
            else:
                for page_ in found:
                    self._nothing_found(dispatcher, language, page_, where)
                dispatcher.utter_message(response="utter_anything_else")
            return
        now = datetime.now(formats.TZ)
        for page_ in found:
            if page_.hits:
                self._send_page(dispatcher, language, page_, where, page, now)
            elif page == 1:
                self._nothing_found(dispatcher, language, page_, where)
        dispatcher.utter_message(
            response="utter_results_menu",
            buttons=_results_buttons(more, asked.offered, language),
        )

    async def _find(
        self,
        language: str,
        needs: tuple[str, ...] | list[str],
        where: Where,
        page: int,
        words: str | None,
    ) -> list[_FoundPage]:
        """Each need's page of results. A service already found for an earlier need of this
        answer is left out (a shelter for women under violence and under shelter was listed
        twice)."""
        from bot.search import search

        per_page = paging.PER_PAGE
        shown_ids: set[str] = set()
        found: list[_FoundPage] = []
        for need in needs:
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
            shown_ids.update(str(hit.service_id) for hit in hits)
            found.append(_FoundPage(need, hits, len(fresh) > per_page * page, result))
        return found

    @staticmethod
    def _nothing_found(
        dispatcher: CollectingDispatcher, language: str, found: _FoundPage, where: Where
    ) -> None:
        fallback = found.result.fallback  # the engine always names the 211 that can help
        dispatcher.utter_message(
            response="utter_no_results",
            need_label=need_label(found.need, language).lower(),
            fallback=fallback.text(language) if fallback else t("211.phone_line", language),
            place_name=where.label,
            near_place=t("dialogue.near_place", language, place_name=where.label),
        )

    @staticmethod
    def _send_page(
        dispatcher: CollectingDispatcher,
        language: str,
        found: _FoundPage,
        where: Where,
        page: int,
        now: datetime,
    ) -> None:
        """One need's page: its intro, then its cards as one results payload."""
        first = paging.PER_PAGE * (page - 1) + 1
        widened = found.result.widened if page == 1 else None
        payload = results.results_payload(
            need=found.need,
            language=language,
            page=page,
            more=found.more,
            place_label=where.label,
            cards=[
                results.service_card(hit, index, language, now)
                for index, hit in enumerate(found.hits, start=first)
            ],
            widened=widened.text(language) if widened else None,
            widening=widened.stage if widened else None,
        )
        dispatcher.utter_message(
            response="utter_results_intro",
            resources=need_resources(found.need, language),
            place_name=where.label,
            near_place=t("dialogue.near_place", language, place_name=where.label),
        )
        dispatcher.utter_message(json_message=payload)
