"""`ServiceDetailExtractor`: what a question about the services shown asks, and about which one.

After the cards, people ask about them: "c'est tu gratuit?", "do they speak spanish?", "pis le
2e, c'est ouvert quand?". The intent `ask_service_details` says it is such a question; this
component says what is asked — entity `detail` (`hours`, `fees`, `languages`, `address`,
`process`, `eligibility`, `contact`, `wait`, `online`, `confidential`, or `overview` for "tell
me more" and a card named alone), one per detail, in text order — and which card, when the
person names one — entity `card` (its number as shown, `last`, `nearest`, or `which` for a
question that picks among them) — and the languages named — entity `language_asked` (a code:
"do they speak spanish?" → `es`) — and the day asked about — entity `day_asked` (`now`,
`today`, `tonight`, `tomorrow` or a weekday: "lequel est ouvert demain?" → `tomorrow`; none
when several days are named). No `detail` at all: something the directory cannot answer ("do
they take dogs?"). The action (`actions/details.py`) answers from the directory; nothing
downstream reads the words again.

Patterns live in `details_lexicon.yml` (normalized text); matching is pure
(`DetailLexicon.find`). Entities are added only to `ask_service_details` messages, so a need
stated with an hour ("un dépannage ouvert le dimanche") keeps its own entities only. Reroutes,
so each gets an answer: "c'est tu confidentiel?" alone, read as a bot challenge or split between
the two, becomes this question (about 211 and this conversation); a question naming a detail
read as a courtesy ("pis y livrent tu la fin de semaine?": goodbye) or with the vote split with
a need ("c'est pour les adultes?": education 0.33, question 0.34) becomes the question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue.details import (
    CARD_ENTITY,
    CONFIDENTIAL,
    DAY_ENTITY,
    DETAIL_ENTITY,
    DETAILS_INTENT,
    LANGUAGE_ENTITY,
    OVERVIEW,
    WEEKEND,
    WEEKEND_DAYS,
)
from bot.nlu.component import MessageComponent, choose_intent, ranked_confidence
from bot.nlu.language import language_named
from bot.nlu.lexicons import load_lexicon
from bot.nlu.normalize import normalize_with_offsets, span


def _alternatives(phrases: str | list[str]) -> str:
    if isinstance(phrases, str):
        return phrases
    return "|".join(f"(?:{phrase})" for phrase in phrases)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text)


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
        self.days = {
            str(value): re.compile(r"\b(?:" + _alternatives(phrases) + r")\b")
            for value, phrases in (data.get("day") or {}).items()
            if phrases
        }
        cards = data.get("card") or {}
        self.ordinals = {
            str(value): re.compile(r"\b(?:" + _alternatives(words) + r")\b")
            for value, words in (cards.get("ordinals") or {}).items()
        }
        prefix = cards.get("number_prefix") or "numero"
        self.number = re.compile(r"\b(?:" + prefix + r") ?(\d{1,2})\b")
        self.fillers = frozenset(str(data.get("fillers") or "").split())
        when = data.get("when_alone") or {}
        self.when_times = re.compile(r"\b(?:" + (when.get("times") or "(?!)") + r")\b")
        self.when_connectors = frozenset(str(when.get("connectors") or "").split())
        self.farewells = re.compile(when.get("farewells") or "(?!)")
        alone = data.get("confidential_alone") or {}
        self.reroute_from = frozenset(alone.get("from_intents") or ())
        self.max_words = int(alone.get("max_words") or 0)
        self.not_words = re.compile(r"\b(?:" + (alone.get("not_words") or "(?!)") + r")\b")
        asked = data.get("question_of_a_detail") or {}
        self.question_from = frozenset(asked.get("from_intents") or ())
        self.question_marks = re.compile(asked.get("marks") or "(?!)")
        self.split_from = str(asked.get("split_from_prefix") or "(none)")
        self.split_share = float(asked.get("split_share") or 1.0)

    def find(self, text: str) -> list[Found]:
        normalized, offsets = normalize_with_offsets(text)
        found: list[Found] = []
        for key, pattern in self.details.items():
            match = pattern.search(normalized)
            if match:
                found.append(Found(DETAIL_ENTITY, key, *span(offsets, text, *match.span())))
        if not found and self._bare(normalized):
            found.append(Found(DETAIL_ENTITY, OVERVIEW, 0, len(text)))
        card = self._card(normalized, text, offsets)
        if card:
            found.append(card)
        day = self._day(normalized, text, offsets)
        if day:
            found.append(day)
        named: set[str] = set()
        for word in re.finditer(r"[a-z]+", normalized):
            code = language_named(word.group(0))
            if code and code not in named:
                named.add(code)
                found.append(Found(LANGUAGE_ENTITY, code, *span(offsets, text, *word.span())))
        return sorted(found, key=lambda item: item.start)

    def _bare(self, normalized: str) -> bool:
        """Nothing but a card and filler words ("et le 2e?", "what about the last one?")."""
        rest = self.number.sub(" ", normalized)
        for pattern in self.ordinals.values():
            rest = pattern.sub(" ", rest)
        return all(word in self.fillers or word.isdigit() for word in _words(rest))

    def asks_only_when(self, text: str) -> bool:
        """Nothing but a day or a time of day, with fillers ("et demain matin?", "pis le
        soir?", "what about tomorrow morning?"): a follow-up about the hours of the cards."""
        rest, found = normalize_with_offsets(text)[0], False
        if self.farewells.search(rest):
            return False
        days = [pattern for value, pattern in self.days.items() if value != "now"]
        for pattern in (*days, self.when_times):
            rest, count = pattern.subn(" ", rest)
            found = found or count > 0
        return found and all(
            word in self.fillers or word in self.when_connectors for word in _words(rest)
        )

    def asks_only_confidentiality(self, text: str) -> bool:
        """A short question about confidentiality alone, saying nothing of who answers
        ("c'est tu confidentiel?", not "c'est confidentiel ce que je t'écris, t'es qui?")."""
        normalized = normalize_with_offsets(text)[0]
        asked = {
            (f.entity, f.value)
            for f in self.find(text)
            if f.entity not in (LANGUAGE_ENTITY, DAY_ENTITY)
        }
        return (
            asked == {(DETAIL_ENTITY, CONFIDENTIAL)}
            and len(_words(normalized)) <= self.max_words
            and not self.not_words.search(normalized)
        )

    def asks_a_detail(self, text: str) -> bool:
        """A question ("?", or Québec's "tu" after a verb) that names a detail of a service
        ("pis y livrent tu la fin de semaine?": hours), whatever else it says."""
        normalized = normalize_with_offsets(text)[0]
        asked = text.rstrip().endswith("?") or self.question_marks.search(normalized)
        return bool(asked) and any(
            f.entity == DETAIL_ENTITY and f.value != OVERVIEW for f in self.find(text)
        )

    def split_with(self, ranking: Sequence[Mapping[str, Any]]) -> str | None:
        """The need the classifier's vote is split with: the top two readings are a need and
        a question about the services (either first), the question's share at least
        `split_share` of the need's."""
        top_two = [r for r in ranking if r.get("name") != "nlu_fallback"][:2]
        names = [str(r.get("name") or "") for r in top_two]
        if len(top_two) < 2 or DETAILS_INTENT not in names:
            return None
        need = top_two[1 - names.index(DETAILS_INTENT)]
        name = str(need.get("name") or "")
        need_share = float(need.get("confidence") or 0.0)
        asked = float(top_two[names.index(DETAILS_INTENT)].get("confidence") or 0.0)
        if name.startswith(self.split_from) and need_share > 0.0:
            return name if asked >= self.split_share * need_share else None
        return None

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

    def _day(self, normalized: str, text: str, offsets: list[int]) -> Found | None:
        """The day asked about, when one is named; Saturday and Sunday named together are the
        weekend ("ouvert samedi ou dimanche?"); none when other days are ("du lundi au
        vendredi", "today or tomorrow"): each card's weekly hours answer those."""
        named = [(value, m) for value, p in self.days.items() if (m := p.search(normalized))]
        if {value for value, _ in named} == set(WEEKEND_DAYS):
            first, last = sorted((m.span() for _, m in named))
            return Found(DAY_ENTITY, WEEKEND, *span(offsets, text, first[0], last[1]))
        if len(named) != 1:
            return None
        value, match = named[0]
        return Found(DAY_ENTITY, value, *span(offsets, text, *match.span()))


@lru_cache(maxsize=1)
def default_lexicon() -> DetailLexicon:
    """The project's details lexicon, compiled once per process."""
    return DetailLexicon(load_lexicon("details"))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ServiceDetailExtractor(MessageComponent):
    """Emits `detail`, `card`, `language_asked` and `day_asked` entities on questions about the
    services shown."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._lexicon = default_lexicon()

    def process_message(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        name = (message.get(INTENT) or {}).get("name")
        if name in self._lexicon.reroute_from and self._lexicon.asks_only_confidentiality(text):
            self._reroute(message, name)
        elif instead := self._question_read_as_something_else(message, name, text):
            self._reroute(message, instead)
        elif name != DETAILS_INTENT and self._lexicon.asks_only_when(text):
            # a rule, like a typed button: the classifier has no context for "et demain matin?"
            choose_intent(message, DETAILS_INTENT)
        elif name != DETAILS_INTENT:
            return
        self.add_entities(
            message,
            [
                {"entity": f.entity, "value": f.value, "start": f.start, "end": f.end}
                for f in self._lexicon.find(text)
            ],
        )

    def _question_read_as_something_else(
        self, message: Message, name: str | None, text: str
    ) -> str | None:
        """The reading a question naming a detail was given instead: a courtesy ("pis y
        livrent tu la fin de semaine?" was a goodbye, "bonne fin de semaine", which ended the
        conversation) or a need it split the vote with ("c'est pour les adultes?": question
        0.34, education 0.33, so "please rephrase")."""
        if name in self._lexicon.question_from:
            return name if self._lexicon.asks_a_detail(text) else None
        need = self._lexicon.split_with(message.get(INTENT_RANKING_KEY) or [])
        return need if need and self._lexicon.asks_a_detail(text) else None

    @staticmethod
    def _reroute(message: Message, instead: str | None) -> None:
        """Make the message a question about the services. The classifier split its vote
        between the two readings ("c'est tu confidentiel?": bot challenge 0.44, question 0.43,
        so "please rephrase"): the question takes both shares, and both leave the ranking."""
        replaced = [name for name in (instead, DETAILS_INTENT) if name]
        confidence = sum(ranked_confidence(message, name) for name in set(replaced))
        choose_intent(message, DETAILS_INTENT, min(confidence, 1.0), replaced=replaced)
