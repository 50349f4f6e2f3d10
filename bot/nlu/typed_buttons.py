"""`TypedButtonIntent`: a button's title typed instead of pressed means the button.

People type what they see, on a phone or by SMS: "un autre besoin" (the button's payload is
`/need_unspecified`) was read as a wish for more results, "That's all, thanks" as thanks
(no goodbye), "Biens essentiels" fell back. The titles are the catalog's
(`bot.dialogue.responses.TYPED_BUTTONS`), in French and English; the message, normalized like
every other ("c'est tout merci!" matches "C'est tout, merci"), must be the whole title. A
crisis keeps its intent.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue.responses import TYPED_BUTTONS, Button
from bot.nlu.component import MessageComponent, choose_intent
from bot.nlu.crisis import is_crisis_intent
from bot.nlu.normalize import normalize
from bot.texts import LANGUAGES, t


def typed_titles(buttons: tuple[Button, ...] = TYPED_BUTTONS) -> dict[str, str]:
    """Each button's normalized title, in every language, → the intent of its payload. Two
    buttons with one title must mean one intent."""
    titles: dict[str, str] = {}
    for title_key, payload in buttons:
        intent = payload.removeprefix("/").split("{", 1)[0]
        for language in LANGUAGES:
            title = normalize(t(title_key, language))
            if titles.setdefault(title, intent) != intent:
                raise ValueError(f"the button title {title!r} means {titles[title]} and {intent}")
    return titles


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TypedButtonIntent(MessageComponent):
    """Sets the intent of the button whose title is the whole message."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._titles = typed_titles()

    def process_message(self, message: Message) -> None:
        intent = self._titles.get(normalize(message.get(TEXT) or ""))
        current = str((message.get(INTENT) or {}).get("name") or "")
        if not intent or is_crisis_intent(current):
            return
        choose_intent(message, intent)
