"""`ProfileExtractor`: who the help is for — entities `age_group` and `population`.

Search prefers services for the person's group (a youth centre for a 16-year-old, a women's
shelter, a newcomers' organization), so this component turns words ("ma mère de 82 ans",
"je suis étudiante", "we're refugees", "2SLGBTQ") into the values the search understands:

- `age_group`: `child`, `youth`, `adult`, `senior` — from words, or from a stated age
  ("j'ai 16 ans", "my 82 year old mom") through `age_bands`;
- `population`: `women`, `newcomers`, `seniors`, `families`, `indigenous`, `lgbtq`,
  `students`, `veterans`.

Each value is emitted once, at its first mention. Patterns live in `profile_lexicon.yml`
(normalized text); matching is pure (`ProfileLexicon.find`).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.component import MessageComponent
from bot.nlu.lexicons import expand_words, lexicon_words, load_lexicon
from bot.nlu.normalize import normalize_with_offsets, span

logger = logging.getLogger(__name__)

_AGE = re.compile(
    r"\b(\d{1,3}) ?(?:ans|an|years? old|year old|yrs? old|yo|y o|years|yrs)\b"
    r"|\b(?:im|i am|age|aged|agee|agée|age de|agee de) (\d{1,3})\b"
)


def _compile(entries: dict[str, list[str]]) -> dict[str, re.Pattern[str]]:
    """One pattern per value; `<elder>` and the other shared word lists expanded."""
    words = lexicon_words()
    return {
        value: re.compile(
            r"\b(?:" + "|".join(f"(?:{expand_words(p, words)})" for p in phrases) + r")\b"
        )
        for value, phrases in (entries or {}).items()
        if phrases
    }


class ProfileLexicon:
    """Compiled profile patterns; `find(text)` → [(entity, value, start, end)] in text order."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.age_groups = _compile(data.get("age_group") or {})
        self.populations = _compile(data.get("population") or {})
        self.age_bands = sorted((int(k), v) for k, v in (data.get("age_bands") or {}).items())

    def group_for_age(self, age: int) -> str | None:
        """The age group of an age in years (`age_bands`), None if implausible."""
        for upper, group in self.age_bands:
            if age <= upper:
                return group
        return None

    def find(self, text: str) -> list[tuple[str, str, int, int]]:
        normalized, offsets = normalize_with_offsets(text)
        found: list[tuple[str, str, int, int]] = []
        for entity, patterns in (("age_group", self.age_groups), ("population", self.populations)):
            for value, pattern in patterns.items():
                match = pattern.search(normalized)
                if match:
                    found.append((entity, value, *span(offsets, text, *match.span())))
        for match in _AGE.finditer(normalized):
            years = int(match.group(1) or match.group(2))
            group = self.group_for_age(years)
            if group:
                found.append(("age_group", group, *span(offsets, text, *match.span())))
        found.sort(key=lambda item: item[2])
        seen: set[tuple[str, str]] = set()
        unique = []
        for item in found:
            if item[:2] not in seen:
                seen.add(item[:2])
                unique.append(item)
        return unique


@lru_cache(maxsize=1)
def default_lexicon() -> ProfileLexicon:
    """The project's profile lexicon, compiled once per process."""
    return ProfileLexicon(load_lexicon("profile"))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ProfileExtractor(MessageComponent):
    """Emits `age_group` and `population` entities from the profile lexicon."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._lexicon = default_lexicon()
        if not self._lexicon.age_groups and not self._lexicon.populations:
            logger.warning("ProfileExtractor has an empty lexicon: it will find nothing.")

    def process_message(self, message: Message) -> None:
        found = self._lexicon.find(message.get(TEXT) or "")
        self.add_entities(
            message,
            [
                {"entity": entity, "value": value, "start": start, "end": end}
                for entity, value, start, end in found
            ],
        )
