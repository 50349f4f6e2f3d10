"""`ServiceDetailExtractor`: what a question about the services shown asks, and about which one.

After the cards, people ask about them: "c'est tu gratuit?", "do they speak spanish?", "pis le
2e, c'est ouvert quand?". The intent `ask_service_details` says it is such a question; this
component says what is asked — entity `detail` (`hours`, `fees`, `languages`, `address`,
`process`, `eligibility`, `contact`), one per detail, in text order — and which card, when
the person names one — entity `card` (its number as shown, `last` or `nearest`) — and the
languages named — entity `language_asked` (a code: "do they speak spanish?" → `es`). The action
(`actions/details.py`) answers from the directory; nothing downstream reads the words again.

Patterns live in `details_lexicon.yml` (normalized text); matching is pure
(`DetailLexicon.find`). Entities are added only to `ask_service_details` messages, so a need
stated with an hour ("un dépannage ouvert le dimanche") keeps its own entities only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue.details import CARD_ENTITY, DETAIL_ENTITY, DETAILS_INTENT, LANGUAGE_ENTITY
from bot.nlu.component import MessageComponent
from bot.nlu.language import language_named
from bot.nlu.lexicons import load_lexicon
from bot.nlu.normalize import normalize_with_offsets, span


def _alternatives(phrases: list[str]) -> str:
    return "|".join(f"(?:{phrase})" for phrase in phrases)


@dataclass(frozen=True)
class Found:
    entity: str
    value: str
    start: int
    end: int


class DetailLexicon:
    """Compiled detail and card patterns; `find(text)` → what is asked, in text order."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.details = {
            key: re.compile(r"\b(?:" + _alternatives(phrases) + r")\b")
            for key, phrases in (data.get("detail") or {}).items()
            if phrases
        }
        cards = data.get("card") or {}
        self.ordinals = {
            str(value): re.compile(r"\b(?:" + words + r")\b")
            for value, words in (cards.get("ordinals") or {}).items()
        }
        prefix = cards.get("number_prefix") or "numero"
        self.number = re.compile(r"\b(?:" + prefix + r") ?(\d{1,2})\b")

    def find(self, text: str) -> list[Found]:
        normalized, offsets = normalize_with_offsets(text)
        found: list[Found] = []
        for key, pattern in self.details.items():
            match = pattern.search(normalized)
            if match:
                found.append(Found(DETAIL_ENTITY, key, *span(offsets, text, *match.span())))
        card = self._card(normalized, text, offsets)
        if card:
            found.append(card)
        named: set[str] = set()
        for word in re.finditer(r"[a-z]+", normalized):
            code = language_named(word.group(0))
            if code and code not in named:
                named.add(code)
                found.append(Found(LANGUAGE_ENTITY, code, *span(offsets, text, *word.span())))
        return sorted(found, key=lambda item: item.start)

    def _card(self, normalized: str, text: str, offsets: list[int]) -> Found | None:
        # "#2" survives normalizing only as "2": look for it in the raw text first
        raw = re.search(r"#\s?(\d{1,2})\b", text)
        if raw:
            return Found(CARD_ENTITY, raw.group(1), raw.start(), raw.end())
        number = self.number.search(normalized)
        if number:
            return Found(CARD_ENTITY, number.group(1), *span(offsets, text, *number.span()))
        for value, pattern in self.ordinals.items():
            match = pattern.search(normalized)
            if match:
                return Found(CARD_ENTITY, value, *span(offsets, text, *match.span()))
        return None


@lru_cache(maxsize=1)
def default_lexicon() -> DetailLexicon:
    """The project's details lexicon, compiled once per process."""
    return DetailLexicon(load_lexicon("details"))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ServiceDetailExtractor(MessageComponent):
    """Emits `detail` and `card` entities on questions about the services shown."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._lexicon = default_lexicon()

    def process_message(self, message: Message) -> None:
        if (message.get(INTENT) or {}).get("name") != DETAILS_INTENT:
            return
        self.add_entities(
            message,
            [
                {"entity": f.entity, "value": f.value, "start": f.start, "end": f.end}
                for f in self._lexicon.find(message.get(TEXT) or "")
            ],
        )
