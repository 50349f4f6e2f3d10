"""The domain's responses, with a second wording for a response already said in this session.

A person in crisis who writes again ("jveux juste que ça arrête" after the suicide line) got
the very same paragraph a second time, which reads as a machine not listening. A response
`utter_x` with an `utter_x_again` in the domain (catalog key `dialogue.utter.x_again`) says
that one when `utter_x` was already said since the session started: still the lines and the
numbers, in fewer words. Likewise `utter_x_after_crisis` once a crisis line was given, and
`utter_x_after_crisis_<kind>` when the person wrote it (did not press a button), and
who answers said first when the message asked it inside something else ("are you a real
person? I need help with my rent"), and a crisis line written in a third language followed by
the interpreters' text in that language ("quiero morir" got the suicide line in French only).
Chosen here, in Rasa's NLG seam (`nlg: type:` in endpoints.yml), so
a crisis line never waits on the action server.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.dialogue.asked import known_need
from bot.dialogue.responses import AFTER_CRISIS, AGAIN, OTHER_LANGUAGE_KEY
from bot.dialogue.understood import acknowledgement
from bot.nlu.bot_question import BOT_QUESTION_ENTITY
from bot.nlu.crisis import CRISIS_PREFIX, is_crisis_intent
from bot.nlu.language import OTHER_LANGUAGE_ENTITY
from bot.texts import normalize_language, t

CRISIS_SLOT = "crisis"
ASK_PLACE = "utter_ask_place"
"""Starts with what was understood when the message it answers stated the need."""
WHO_ANSWERS = "utter_iamabot"
"""Said first when a message asked whether a person answers, inside something else."""
CRISIS_LINE = f"utter_{CRISIS_PREFIX}"
"""The crisis lines (`utter_crisis_<kind>` and their second wordings)."""


def said_before(tracker: DialogueStateTracker, utter_action: str) -> bool:
    """Whether `utter_action` was said since the session started."""
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == (
            utter_action
        ):
            return True
    return False


def pressed_a_button(tracker: DialogueStateTracker) -> bool:
    """Whether the latest message is a button's payload ("/need_unspecified" from "Un autre
    besoin"): it asks for what the button says, so no after-crisis wording answers it."""
    return (
        str(tracker.latest_message.text or "").startswith("/") if tracker.latest_message else False
    )


def asked_who_answers(tracker: DialogueStateTracker) -> bool:
    """The latest message asked whether a person answers, inside something else (entity
    `bot_question`, bot/nlu/bot_question.py), and nothing was said since: the first text of
    the answer says who answers. Not before a crisis line, which comes first."""
    latest = tracker.latest_message
    if latest is None or not any(
        e.get("entity") == BOT_QUESTION_ENTITY for e in latest.parse_data.get("entities") or []
    ):
        return False
    if is_crisis_intent((latest.intent or {}).get("name")):
        return False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, BotUttered):
            return False
    return False


def written_in_another_language(tracker: DialogueStateTracker) -> str | None:
    """The third language the latest message is plainly written in (LanguageDetector's entity),
    or None."""
    for entity in tracker.latest_message.entities if tracker.latest_message else []:
        if entity.get("entity") == OTHER_LANGUAGE_ENTITY and entity.get("value"):
            return str(entity["value"])
    return None


def understood_before_place(tracker: DialogueStateTracker) -> str:
    """What was understood, when the latest message stated the need and no crisis line was
    given (that line already answered the person; bot/dialogue/understood.py)."""
    latest = tracker.latest_message
    if latest is None or tracker.get_slot(CRISIS_SLOT):
        return ""
    return acknowledgement(
        latest.as_dict(),
        known_need(tracker.get_slot("need")),
        tracker.get_slot("needs"),
        normalize_language(tracker.get_slot("language")),
    )


class RelaisNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Rasa's templated responses; `utter_x_again` in place of `utter_x` said before, and
    `utter_x_after_crisis` once a crisis line was given."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        message = await super().generate(
            self.wording(utter_action, tracker), tracker, output_channel, **kwargs
        )
        if message and message.get("text") and utter_action == ASK_PLACE:
            understood = understood_before_place(tracker)
            if understood:
                message["text"] = f"{understood} {message['text']}"
        language = written_in_another_language(tracker)
        if message and message.get("text") and language and utter_action.startswith(CRISIS_LINE):
            # the line's numbers are read in any language; what to do, in theirs
            message["text"] = f"{message['text']}\n\n{t(OTHER_LANGUAGE_KEY, language)}"
        if message and message.get("text") and asked_who_answers(tracker):
            # "are you a real person? I need help with my rent": who answers, then the rest
            said = await super().generate(WHO_ANSWERS, tracker, output_channel, **kwargs)
            if said and said.get("text"):
                message["text"] = f"{said['text']}\n\n{message['text']}"
        return message

    def wording(self, utter_action: str, tracker: DialogueStateTracker) -> str:
        """The response to say for `utter_action` here: its second wording when it was said
        before, else its after-crisis wording when a crisis line was given, else itself."""
        again = utter_action + AGAIN
        if again in self.responses and said_before(tracker, utter_action):
            return again
        crisis = tracker.get_slot(CRISIS_SLOT)
        if not crisis:
            return utter_action
        # "what should I do?" typed after the suicide line: what to do about that crisis (the
        # "Un autre besoin" button asks for the menu of needs it names)
        about_it = f"{utter_action}{AFTER_CRISIS}_{crisis}"
        if about_it in self.responses and not pressed_a_button(tracker):
            return about_it
        after_crisis = utter_action + AFTER_CRISIS
        return after_crisis if after_crisis in self.responses else utter_action
