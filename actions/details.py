"""`action_service_details`: answers a question about the services shown, from the directory."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue.cards import PICKING, chosen_cards, latest_cards, named_cards, shown_cards
from bot.dialogue.details import Question, confidential_answer, reply
from bot.texts import formats

from .base import RelaisAction


class ActionServiceDetails(RelaisAction):
    """Hours, fees, languages… of the cards shown (the one named, else each)."""

    def name(self) -> str:
        return "action_service_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = self.language(tracker)
        channel = tracker.get_latest_input_channel()
        question = Question.from_entities(self.latest_entities(tracker))
        text = str(tracker.latest_message.get("text") or "")
        cards = latest_cards(tracker.events)
        if not cards:
            if question.only_about_211:  # "c'est tu confidentiel?" needs no cards
                dispatcher.utter_message(text=confidential_answer(language, channel))
            elif self.place_is_asked(tracker):
                # "je préfère pas dire où j'habite", "pourquoi vous voulez savoir?" while the
                # place is asked: why it is asked and how little is needed (the form asks again)
                dispatcher.utter_message(response="utter_place_why")
            else:
                dispatcher.utter_message(response="utter_details_nothing_shown")
            return []
        # picking among the cards ("lequel", "le plus proche") looks at every page shown
        shown = shown_cards(tracker.events)
        pool = shown if question.card in PICKING else cards
        named = [] if question.card else named_cards(shown, text)
        chosen = named or chosen_cards(pool, question.card, question.needs)
        if chosen is None:
            numbers = ", ".join(str(card.get("index")) for card in cards)
            dispatcher.utter_message(
                response="utter_details_no_such_card", number=question.card, numbers=numbers
            )
            chosen = cards
        services = await self.services_of(chosen, language)
        answer = reply(
            question,
            chosen,
            services,
            language,
            datetime.now(formats.TZ),
            among=len(pool),
            channel=channel,
            words=text,
        )
        dispatcher.utter_message(text=answer)
        return []
