"""`action_service_details`: answers a question about the services shown, from the directory."""

from __future__ import annotations

import asyncio
from datetime import datetime

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue.details import (
    NEAREST_CARD,
    Question,
    answer_details,
    card_answer,
    chosen_cards,
    languages_answer,
    latest_cards,
)
from bot.texts import formats, t

from .base import RelaisAction


class ActionServiceDetails(RelaisAction):
    """Hours, fees, languages… of the cards shown (the one named, else each)."""

    def name(self) -> str:
        return "action_service_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        from bot.directory.lookup import services_by_id

        language = self.language(tracker)
        cards = latest_cards(tracker.events)
        if not cards:
            dispatcher.utter_message(response="utter_details_nothing_shown")
            return []
        question = Question.from_entities(self.latest_entities(tracker))
        chosen = chosen_cards(cards, question.card)
        if chosen is None:
            numbers = ", ".join(str(card.get("index")) for card in cards)
            dispatcher.utter_message(
                response="utter_details_no_such_card", number=question.card, numbers=numbers
            )
            chosen = cards
        services = await asyncio.to_thread(
            services_by_id, [str(card.get("service_id")) for card in chosen], language
        )
        now = datetime.now(formats.TZ)
        details = answer_details(question, chosen)
        answers = [
            card_answer(
                card,
                services.get(str(card.get("service_id"))),
                details,
                language,
                now,
            )
            for card in chosen
        ]
        if "languages" in details:
            answers += languages_answer(chosen, services, question.languages, language)
        if question.card == NEAREST_CARD and len(cards) > 1:
            answers.append(t("dialogue.details.nearest_of_shown", language))
        dispatcher.utter_message(text="\n\n".join(answers))
        return []
