"""The handoff to a counsellor, as the person lives it (logic in `bot.handoff`).

`action_handoff` runs on "I want a human" and on the answers to its own questions:
1. it asks consent to share the conversation (buttons yes/no; typed "oui"/"non" work too),
   except in a crisis: there the yes to the offer ("Voulez-vous parler à une personne
   intervenante maintenant? Elle verra notre conversation…"), or asking for a human, is the
   one consent, and the person is queued at once, first in line;
2. on yes, within counsellor hours: the escalation is stored (language, need, municipality,
   channel, crisis, services already offered), the person hears their place in line and the
   expected wait, and the conversation is paused (`ConversationPaused()`) for the console;
3. outside hours: the hours, the 24/7 lines when there is a crisis, and a callback offer;
   on yes, the `handoff_callback_form` asks number, call or text, language and best time,
   then `action_handoff_callback` stores the request for the morning.
"""

from __future__ import annotations

import abc
import logging
import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot.dialogue import results
from bot.dialogue.asked import known_need
from bot.dialogue.place import PLACE_SLOT, Where
from bot.dialogue.responses import CALLBACK_NO, CALLBACK_YES, CONSENT_NO, CONSENT_YES, button
from bot.handoff import callback as answers
from bot.handoff.config import HandoffSettings
from bot.handoff.escalation import enqueue, get_store, request_callback
from bot.handoff.hours import CounsellorHours, now
from bot.handoff.limits import callback_wait, escalation_wait
from bot.handoff.queue import ordinal
from bot.nlu.crisis import is_crisis_intent
from bot.texts import formats, t

from .base import RelaisAction

log = logging.getLogger(__name__)

STAGE = "handoff_stage"
CONSENT, CALLBACK_OFFER = "consent", "callback_offer"
FORM = "handoff_callback_form"
CALLBACK_SLOTS = ("callback_phone", "callback_contact", "callback_language", "callback_best_time")
ASKED_BY = ("action_handoff", "action_deactivate_loop")
"""Actions after which a yes/no answers our own question."""


def action_answered(tracker: Tracker) -> str | None:
    """The bot's last action before the latest message (`action_listen` aside): what the
    latest message answers; None when the person spoke twice in a row or first."""
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
        elif kind == "action" and seen_user and event.get("name") != "action_listen":
            return str(event.get("name"))
    return None


def answered_our_question(tracker: Tracker) -> bool:
    """Whether the message before this one was answered by `action_handoff` (a yes/no to
    our question, not to someone else's)."""
    return action_answered(tracker) in ASKED_BY


def answered_the_offer(tracker: Tracker) -> bool:
    """Whether the latest message answers `utter_offer_counsellor`."""
    return action_answered(tracker) == "utter_offer_counsellor"


def one_consent_in_crisis(tracker: Tracker, intent: str | None) -> bool:
    """A person in crisis said yes to a counsellor: no second question before the queue."""
    if not tracker.get_slot("crisis"):
        return False
    return intent == "ask_human" or (intent == "affirm" and answered_the_offer(tracker))


def offered_services(tracker: Tracker) -> list[dict[str, Any]]:
    """Services shown to the person (the results payloads of the bot's messages), newest last."""
    seen: dict[str, dict[str, Any]] = {}
    for event in tracker.events:
        custom = (
            ((event.get("data") or {}).get("custom") or {}) if event.get("event") == "bot" else {}
        )
        if not results.is_results(custom):
            continue
        for card in custom.get("cards") or []:
            key = str(card.get("service_id") or card.get("name"))
            seen[key] = {
                k: card.get(k)
                for k in ("service_id", "name", "organization", "phone", "distance_km")
                if card.get(k) is not None
            }
            distance = (card.get("text") or {}).get("distance")
            if distance:
                seen[key]["distance"] = distance
    return list(seen.values())


def municipality_of(tracker: Tracker) -> str | None:
    """The code_geo of the place the person gave, if any."""
    where = Where.from_slot(tracker.get_slot(PLACE_SLOT))
    return where.code_geo if where else None


def borough_of(tracker: Tracker) -> str | None:
    where = Where.from_slot(tracker.get_slot(PLACE_SLOT))
    return where.borough if where and where.borough != where.name else None


def latest_user_timestamp(tracker: Tracker) -> float:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return float(event.get("timestamp") or time.time())
    return time.time()


def next_opening_words(settings: HandoffSettings, language: str) -> str:
    """When counsellors answer again: "demain à 8 h", "lundi 24 juin à 8 h"."""
    moment = now(settings)
    return formats.when(CounsellorHours(settings).next_opening(moment), moment, language)


def say_no_callback(
    dispatcher: CollectingDispatcher, settings: HandoffSettings, language: str
) -> None:
    """No callback (the offer declined, or the form left): the chat and 211's hours remain."""
    hours = CounsellorHours(settings).describe(language)
    dispatcher.utter_message(text=t("handoff.person.callback_declined", language, **hours))


class ActionHandoff(RelaisAction):
    """Consent, then the queue (open) or the callback offer (closed)."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = self.language(tracker)
        intent = self.latest_intent(tracker)
        stage = tracker.get_slot(STAGE) if answered_our_question(tracker) else None
        settings = HandoffSettings.from_env()
        if stage == CALLBACK_OFFER:
            if intent == "affirm":
                return [SlotSet(STAGE, None), FollowupAction(FORM)]
            if intent == "deny":
                say_no_callback(dispatcher, settings, language)
                return [SlotSet(STAGE, None)]
            # "hello?", "is anyone there?", "je veux parler à quelqu'un" at the offer: the
            # person is waiting for someone; when counsellors are back, and the offer again
            return self.closed(dispatcher, tracker, language, settings)
        if stage == CONSENT and intent == "deny":
            dispatcher.utter_message(text=t("handoff.person.declined", language))
            return [SlotSet(STAGE, None)]
        # asking for a person again at the question ("une vraie personne du 211 svp") is a yes
        if (stage == CONSENT and intent in ("affirm", "ask_human")) or (
            stage is None and one_consent_in_crisis(tracker, intent)
        ):
            if CounsellorHours(settings).is_open(now(settings)):
                return await self.queue(dispatcher, tracker, language, settings)
            return self.closed(dispatcher, tracker, language, settings)
        dispatcher.utter_message(
            text=t("handoff.person.consent", language),
            buttons=[button(CONSENT_YES, language), button(CONSENT_NO, language)],
        )
        return [SlotSet(STAGE, CONSENT)]

    @staticmethod
    def hours(settings: HandoffSettings, language: str) -> dict[str, str]:
        return CounsellorHours(settings).describe(language)

    async def queue(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        language: str,
        settings: HandoffSettings,
    ) -> list[EventType]:
        crisis = tracker.get_slot("crisis")
        try:
            wait = await escalation_wait(await get_store(), tracker.sender_id)
            if wait:
                minutes = max(1, round(wait / 60))
                dispatcher.utter_message(
                    text=t("handoff.person.too_many_escalations", language, minutes=minutes)
                )
                if crisis:
                    dispatcher.utter_message(text=t("handoff.person.crisis_lines", language))
                return [SlotSet(STAGE, None)]
            ticket = await enqueue(
                sender_id=tracker.sender_id,
                language=language,
                channel=tracker.get_latest_input_channel(),
                need=known_need(tracker.get_slot("need")),
                municipality=municipality_of(tracker),
                crisis=crisis,
                reason=self.reason(tracker),
                services=offered_services(tracker),
                last_event_ts=latest_user_timestamp(tracker),
                settings=settings,
                needs=self.needs_named(tracker),
                borough=borough_of(tracker),
            )
        except (SQLAlchemyError, OSError):
            # No queue to wait in: never leave the person paused with nobody coming.
            log.exception("handoff: the escalation could not be stored")
            dispatcher.utter_message(response="utter_handoff")
            return [SlotSet(STAGE, None)]
        dispatcher.utter_message(response="utter_handoff_queued")
        if crisis:
            dispatcher.utter_message(text=t("handoff.person.queued_crisis", language))
        else:
            dispatcher.utter_message(
                text=t(
                    "handoff.person.queued",
                    language,
                    position=ordinal(ticket.position, language),
                    minutes=ticket.minutes,
                )
            )
        return [SlotSet(STAGE, None), ConversationPaused()]

    @staticmethod
    def reason(tracker: Tracker) -> str:
        """Why the person came: asked, a crisis, or the bot could not help."""
        if tracker.get_slot("crisis"):
            return "crisis"
        for event in reversed(tracker.events):
            if event.get("event") == "action" and event.get("name") in (
                "utter_offer_counsellor",
                "action_clarify_need",
            ):
                return "bot_could_not_help"
        return "asked"

    def closed(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        language: str,
        settings: HandoffSettings,
    ) -> list[EventType]:
        words = {**self.hours(settings, language), "next": next_opening_words(settings, language)}
        dispatcher.utter_message(text=t("handoff.person.closed_hours", language, **words))
        if tracker.get_slot("crisis"):
            dispatcher.utter_message(text=t("handoff.person.crisis_lines", language))
        dispatcher.utter_message(
            text=t("handoff.person.callback_offer", language),
            buttons=[button(CALLBACK_YES, language), button(CALLBACK_NO, language)],
        )
        return [SlotSet(STAGE, CALLBACK_OFFER)]


class AskCallbackSlot(RelaisAction, abc.ABC):
    """Asks one question of the callback form, in the person's language."""

    slot: str = ""
    buttons: tuple[tuple[str, str], ...] = ()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = self.language(tracker)
        key = f"handoff.person.ask_{self.slot.removeprefix('callback_')}"
        buttons = [{"title": t(title, language), "payload": value} for title, value in self.buttons]
        dispatcher.utter_message(text=t(key, language), buttons=buttons or None)
        return []


class AskCallbackPhone(AskCallbackSlot):
    slot = "callback_phone"

    def name(self) -> str:
        return "action_ask_callback_phone"


class AskCallbackContact(AskCallbackSlot):
    slot = "callback_contact"
    buttons = (("handoff.button.contact_phone", "phone"), ("handoff.button.contact_sms", "sms"))

    def name(self) -> str:
        return "action_ask_callback_contact"


class AskCallbackLanguage(AskCallbackSlot):
    slot = "callback_language"
    buttons = (("handoff.button.language_fr", "fr"), ("handoff.button.language_en", "en"))

    def name(self) -> str:
        return "action_ask_callback_language"


class AskCallbackBestTime(AskCallbackSlot):
    slot = "callback_best_time"

    def name(self) -> str:
        return "action_ask_callback_best_time"


class ValidateHandoffCallbackForm(FormValidationAction):
    """Reads and checks each answer; a `None` makes the form ask again. A message that is
    something else said (a crisis, a need, "non finalement") is left to the rules: the form
    takes nothing from it, so Rasa rejects the form for that turn (data/rules/handoff.yml)."""

    def name(self) -> str:
        return "validate_handoff_callback_form"

    @staticmethod
    def _answer(slot: str, tracker: Tracker) -> dict[str, Any]:
        """The latest message as the answer to `slot`, when it is that slot's turn and the
        message answers (the slots are mapped `custom`: filled here, not from any text)."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        text = str(tracker.latest_message.get("text") or "")
        intent = tracker.latest_message.get("intent") or {}
        name = str(intent.get("name") or "")
        confidence = float(intent.get("confidence") or 0.0)
        if answers.leaves_the_callback(slot, text, name, confidence, crisis=is_crisis_intent(name)):
            return {}
        if slot == "callback_best_time" and name in answers.NO_PREFERENCE_INTENTS:
            return {slot: t("handoff.callback.any_time", RelaisAction.language(tracker))}
        return {slot: text}

    async def extract_callback_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._answer("callback_phone", tracker)

    async def extract_callback_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._answer("callback_contact", tracker)

    async def extract_callback_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._answer("callback_language", tracker)

    async def extract_callback_best_time(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._answer("callback_best_time", tracker)

    async def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phone = answers.parse_phone(str(value or ""))
        if phone is None:
            language = RelaisAction.language(tracker)
            dispatcher.utter_message(text=t("handoff.person.phone_invalid", language))
        return {"callback_phone": phone}

    async def validate_callback_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"callback_contact": answers.parse_contact(str(value or ""))}

    async def validate_callback_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"callback_language": answers.parse_language(str(value or ""))}

    async def validate_callback_best_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"callback_best_time": answers.clean_best_time(str(value or ""))}


class ActionCallbackCancelled(RelaisAction):
    """ "Non finalement", "never mind" while the callback form asks: no callback, and what is
    still there (the chat, 211's hours). The rule has already stopped the form."""

    def name(self) -> str:
        return "action_callback_cancelled"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        say_no_callback(dispatcher, HandoffSettings.from_env(), self.language(tracker))
        return [SlotSet(slot, None) for slot in CALLBACK_SLOTS]


class ActionHandoffCallback(RelaisAction):
    """Stores the completed callback request and says when someone will call."""

    def name(self) -> str:
        return "action_handoff_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = self.language(tracker)
        phone = tracker.get_slot("callback_phone")
        contact = tracker.get_slot("callback_contact") or "phone"
        if not phone:
            return [SlotSet(slot, None) for slot in CALLBACK_SLOTS]
        if await callback_wait(await get_store(), phone):
            dispatcher.utter_message(text=t("handoff.person.too_many_callbacks", language))
            return [SlotSet(slot, None) for slot in CALLBACK_SLOTS]
        await request_callback(
            sender_id=tracker.sender_id,
            phone=phone,
            contact=contact,
            language=tracker.get_slot("callback_language") or language,
            best_time=tracker.get_slot("callback_best_time"),
            need=known_need(tracker.get_slot("need")),
            municipality=municipality_of(tracker),
            crisis=tracker.get_slot("crisis"),
        )
        settings = HandoffSettings.from_env()
        dispatcher.utter_message(
            text=t(
                "handoff.person.callback_saved",
                language,
                phone=answers.display_phone(phone),
                contact=t(f"handoff.contact.{contact}", language),
                next=next_opening_words(settings, language),
            )
        )
        return [SlotSet(slot, None) for slot in CALLBACK_SLOTS]
