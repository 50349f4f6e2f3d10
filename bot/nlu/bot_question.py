"""`BotQuestionExtractor`: "are you a real person?" asked inside a message about something else.

"are you a real person? I need help paying my rent" was a housing need, and the question went
unanswered: Québec's privacy law and plain honesty want the person to know a machine answers.
This component marks such a message with the entity `bot_question`; the reply to the rest
begins by saying who answers (bot/runtime/nlg.py). A message that only asks it is the intent
`bot_challenge` and its own rule; a crisis is answered with its line first, unchanged.
Patterns live in `bot_question_lexicon.yml` (normalized text).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.component import MessageComponent
from bot.nlu.lexicons import load_lexicon
from bot.nlu.normalize import normalize_with_offsets, span

BOT_QUESTION_ENTITY = "bot_question"
BOT_CHALLENGE_INTENT = "bot_challenge"


@lru_cache(maxsize=1)
def _asks() -> re.Pattern[str]:
    patterns = load_lexicon("bot_question").get("asks") or []
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b")


def bot_question_span(text: str) -> tuple[int, int] | None:
    """Where `text` asks whether a person or a machine answers, in its own characters."""
    normalized, offsets = normalize_with_offsets(text)
    found = _asks().search(normalized)
    return span(offsets, text, *found.span()) if found else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class BotQuestionExtractor(MessageComponent):
    """Emits `bot_question` on a message that asks who answers and says something else."""

    def process_message(self, message: Message) -> None:
        if (message.get(INTENT) or {}).get("name") == BOT_CHALLENGE_INTENT:
            return
        text = message.get(TEXT) or ""
        where = bot_question_span(text)
        if where is None:
            return
        start, end = where
        entity: dict[str, Any] = {
            "entity": BOT_QUESTION_ENTITY,
            "value": "asked",
            "start": start,
            "end": end,
        }
        self.add_entities(message, [entity])
