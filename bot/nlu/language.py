"""`LanguageDetector`: which language a message is written in, and whether to switch.

Relais speaks French and English; other languages (es, ar, ht, zh, vi, pt, fa, ru, it) get the
"call 211 with an interpreter" message. Two sources are combined:

- lingua (statistical, restricted to the languages above, built once per process) is reliable
  on sentences but guesses on one or two words ("ok" → English, "Laval" → French);
- a word lexicon (`language_lexicon.yml`) knows Québec French and English SMS slang ("chu pu
  capable", "slt", "pls", "idk") and Haitian Creole, which lingua does not cover.

Every message gets the property `language` (best guess, or None when there is nothing to go
on). The entity `language` (fr or en) — what the `language` slot maps from — or, for another
language, the entity `other_language`, is emitted ONLY when the guess is confident, so "ok", "1", "Laval", "H2X 1Y4" or an emoji keep the conversation's
language. A request to switch ("english please", "parlez-vous anglais?", "en français svp")
gives the entity the TARGET language, whatever language the request is written in; the
property `language_requested` then holds it too. Places and postal codes found by the place
extractor (run before this component) are masked first: "Laval" says nothing about language.

A language named as that of a service or of its people ("do they speak spanish?", "is it in
english?", "le premier, y parle tu anglais?", "ya tu un endroit qui parle arabe?") is neither a
request nor a message in that language: the entity carries the language the question is
WRITTEN in, and the property `service_language` the language asked about, which
`OtherLanguageIntent` turns into a question about the services shown (`ask_service_details`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.component import MessageComponent
from bot.nlu.lexicons import card_ranks, load_lexicon, word_set
from bot.nlu.normalize import normalize

logger = logging.getLogger(__name__)

SUPPORTED: tuple[str, ...] = ("fr", "en", "es", "ar", "ht", "zh", "vi", "pt", "fa", "ru", "it")
"""Languages the detector can answer; `fr` and `en` are the assistant's own."""

LINGUA_NAMES: dict[str, str] = {
    "fr": "FRENCH",
    "en": "ENGLISH",
    "es": "SPANISH",
    "ar": "ARABIC",
    "zh": "CHINESE",
    "vi": "VIETNAMESE",
    "pt": "PORTUGUESE",
    "fa": "PERSIAN",
    "ru": "RUSSIAN",
    "it": "ITALIAN",
}
"""lingua's names for the languages it covers (it has no Haitian Creole: lexicon only)."""

MASKED_ENTITIES = frozenset({"place", "postal_code"})
LANGUAGE_ENTITY = "language"
OTHER_LANGUAGE_ENTITY = "other_language"
LANGUAGE_SOCIAL = "language_social"
"""Message property: nothing but social words (`LanguageGuess.social`)."""
SERVICE_LANGUAGE = "service_language"
"""Message property: the language a question about the services shown names ("do they speak
spanish?" → `es`), None otherwise."""


@dataclass(frozen=True)
class LanguageGuess:
    """The outcome of detection: `code` is a guess; act on it only when `confident`."""

    code: str | None
    confident: bool
    requested: str | None = None
    source: str = "none"
    about_service: str | None = None
    """A language asked about a service ("do they speak spanish?" → `es`), not requested."""
    social: bool = False
    """Nothing but social words ("hello?", "ok thx", "yes"): says the language of a new
    conversation, does not switch one going on (`continued_language`)."""

    @property
    def entity_value(self) -> str | None:
        """What the `language` entity carries: the requested language, else a confident guess."""
        if self.requested:
            return self.requested
        return self.code if self.confident else None


@lru_cache(maxsize=1)
def lingua_detector() -> Any:
    """lingua's detector over the supported languages (≈1 s to build; shared by the process)."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in LINGUA_NAMES.values()]
    return (
        LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()
    )


@dataclass(frozen=True)
class _Lexicon:
    markers: dict[str, frozenset[str]]
    neutral: frozenset[str]
    social: frozenset[str]
    names: dict[str, str]
    request_words: frozenset[str]
    not_a_request: frozenset[str]
    negations: frozenset[str]
    weak: frozenset[str]
    """Words after a language's name that say the writer's is weak ("my French is poor")."""
    good: frozenset[str]
    """Words that, after a negation, say so too ("mon anglais est pas bon")."""
    service_people: frozenset[str]
    service_pointers: tuple[tuple[str, ...], ...]
    card: re.Pattern[str]
    asks_for_me: tuple[tuple[str, ...], ...]
    not_asking: tuple[tuple[str, ...], ...]


def _phrases(value: str | None) -> tuple[tuple[str, ...], ...]:
    """A word list whose phrases join their words with "_" ("du_monde"), as token tuples."""
    return tuple(tuple(phrase.split("_")) for phrase in sorted(word_set(value)))


def _card_pattern(about: dict[str, Any]) -> re.Pattern[str]:
    """The lexicon's ways of naming a card shown, `<ordinal>` filled in with the ranks the details
    lexicon knows and a number ("le 2", "au 3e") (none: never a card)."""
    ordinal = card_ranks() + "|" + str(about.get("ordinal_number") or r"(?!)").replace(" ", "")
    cards = [str(card).replace("<ordinal>", ordinal) for card in about.get("card") or ()]
    if not cards:
        return re.compile(r"(?!)")
    return re.compile(r"\b(?:" + "|".join(f"(?:{card})" for card in cards) + r")\b")


RAW_CARD = re.compile(r"#\s?\d{1,2}\b")
"""A card number as written ("#2"): normalizing drops the "#"."""


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    data = load_lexicon("language")
    names = {word: code for code, words in data["names"].items() for word in word_set(words)}
    about = data.get("about_a_service") or {}
    return _Lexicon(
        markers={code: word_set(words) for code, words in data["markers"].items()},
        neutral=word_set(data["neutral"]),
        social=word_set(data["social"]),
        names=names,
        request_words=word_set(data["request_words"]),
        not_a_request=word_set(data["not_a_request"]),
        negations=word_set(data["negations"]),
        weak=word_set(data["weak"]),
        good=word_set(data["good"]),
        service_people=word_set(about.get("people")),
        service_pointers=_phrases(about.get("pointers")),
        card=_card_pattern(about),
        asks_for_me=_phrases(about.get("asks_for_me")),
        not_asking=_phrases(about.get("not_asking")),
    )


def language_named(word: str) -> str | None:
    """The code of the language a normalized word names ("espagnol", "spanish" → "es")."""
    return _lexicon().names.get(word)


def _script_share(text: str) -> float:
    """Share of letters outside the Latin script (Arabic, CJK, Cyrillic…)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    foreign = sum(1 for c in letters if not unicodedata.name(c, "").startswith("LATIN"))
    return foreign / len(letters)


def _phrase_at(tokens: list[str], phrases: tuple[tuple[str, ...], ...]) -> list[int]:
    """Where a phrase of `phrases` starts in `tokens` (every start of every phrase)."""
    return [
        i
        for i in range(len(tokens))
        for phrase in phrases
        if tuple(tokens[i : i + len(phrase)]) == phrase
    ]


def _without(tokens: list[str], phrases: tuple[tuple[str, ...], ...]) -> list[str]:
    """`tokens` with every phrase of `phrases` blanked ("thank you" says nothing of a wish)."""
    kept = list(tokens)
    for start in _phrase_at(tokens, phrases):
        length = max(len(p) for p in phrases if tuple(tokens[start : start + len(p)]) == p)
        kept[start : start + length] = [""] * length
    return kept


def names_a_card(text: str) -> bool:
    """Whether `text` names a card shown by its article or number ("le premier avocat", "au
    #2", "the first one"; not "mon premier appart" nor "first aid")."""
    return bool(RAW_CARD.search(text or "") or _lexicon().card.search(normalize(text or "")))


def service_language(tokens: list[str], card: bool = False) -> str | None:
    """The language a message asks about a service or its people ("do they speak spanish?",
    "is it in english?", "le premier, y parle tu anglais?", "ya tu un endroit qui parle
    arabe?", "is there someone who speaks english there?"), as a code; None when no language
    is named, or when it is named for the writer ("can it be in english please?"). `card`:
    the text names a card as written ("#2", which the tokens have lost)."""
    lexicon = _lexicon()
    named = [lexicon.names[tok] for tok in tokens if tok in lexicon.names]
    if not named:
        return None
    if any(tok in lexicon.service_people for tok in tokens):
        return named[-1]
    pointed = (
        card
        or bool(_phrase_at(tokens, lexicon.service_pointers))
        or bool(lexicon.card.search(" ".join(tokens)))
    )
    if not pointed or _phrase_at(_without(tokens, lexicon.not_asking), lexicon.asks_for_me):
        return None
    return named[-1]


def requested_language(tokens: list[str]) -> str | None:
    """The language a message asks to switch to, if it asks ("can we speak french"); None for
    a question about the language of the services shown ("is it in english?")."""
    return None if service_language(tokens) else _request(tokens)


def _request(tokens: list[str]) -> str | None:
    lexicon = _lexicon()
    positions = [(i, lexicon.names[tok]) for i, tok in enumerate(tokens) if tok in lexicon.names]
    if not positions or any(tok in lexicon.not_a_request for tok in tokens):
        return None
    index, code = positions[-1]
    if tokens[index] == "fr" and len(tokens) > 2:
        return None  # "fr" alone is a request; inside a sentence it is usually something else
    window = tokens[max(0, index - 4) : index]
    after = tokens[index + 1 : index + 5]
    weak = any(tok in lexicon.weak for tok in after[:3]) or any(
        first in lexicon.negations and second in lexicon.good for first, second in pairwise(after)
    )
    negated = weak or any(tok in lexicon.negations for tok in window)
    if negated and code in ("fr", "en"):
        return "en" if code == "fr" else "fr"
    if negated:
        return None
    near_request = any(
        tok in lexicon.request_words for tok in tokens[max(0, index - 5) : index + 3]
    )
    if near_request or len(tokens) <= 3:
        return code
    return None


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(chars), end)):
            chars[i] = " "
    return "".join(chars)


def detect(text: str, masked_spans: list[tuple[int, int]] | None = None) -> LanguageGuess:
    """Guess the language `text` is written in, and any language it asks for.

    `masked_spans` (places, postal codes) are ignored. `code` is the written language even for
    a request ("parlez-vous anglais?" is written in French and requests English).
    """
    masked = _mask(text or "", masked_spans or [])
    tokens = normalize(masked).split()
    asked = service_language(tokens, card=bool(RAW_CARD.search(masked)))
    requested = None if asked else _request(tokens)
    lexicon = _lexicon()
    content = [
        tok for tok in tokens if tok not in lexicon.neutral and not any(c.isdigit() for c in tok)
    ]
    if not content:
        return LanguageGuess(None, bool(requested), requested, "request" if requested else "none")
    code, confident, source = _written_language(masked, content, lexicon)
    if asked and code not in OWN:
        # a message in a third language is one, whatever it names ("y" is Spanish for "and")
        asked, requested = None, _request(tokens)
    if requested:
        return LanguageGuess(code, True, requested, "request")
    social = all(token in lexicon.social for token in content)
    return LanguageGuess(code, confident, None, source, asked, social)


def _written_language(
    masked: str, content: list[str], lexicon: _Lexicon
) -> tuple[str | None, bool, str]:
    lingua = _lingua_scores(masked)
    if _script_share(masked) > 0.5:
        best = max(lingua, key=lambda code: lingua[code]) if lingua else None
        return best, best is not None and lingua[best] >= 0.5, "script"

    hits = {code: sum(tok in words for tok in content) for code, words in lexicon.markers.items()}
    lead = max(hits, key=lambda code: hits[code])
    unique_lead = hits[lead] > 0 and all(
        hits[lead] > count for code, count in hits.items() if code != lead
    )
    if unique_lead and hits[lead] >= 2 and hits[lead] / len(content) >= 0.3:
        # Several words only one language uses outweigh lingua (SMS French, Creole…).
        return lead, True, "lexicon"
    if len(content) <= 2:
        # lingua guesses wildly on a word or two ("allô" → Vietnamese, "I'm suicidal" →
        # Spanish): only a word the lexicon knows decides, else French or English by lingua.
        if unique_lead:
            return lead, True, "lexicon"
        return _likelier_own_language(lingua), False, "lexicon"
    share = {code: count / len(content) for code, count in hits.items()}
    scores = {code: lingua.get(code, 0.0) + 0.6 * share.get(code, 0.0) for code in SUPPORTED}
    ranked = sorted(scores, key=lambda code: scores[code], reverse=True)
    best, second = ranked[0], ranked[1]
    if best not in OWN and not _clearly_other(best, hits, lingua, len(content)):
        # Answering a French or English speaker in Spanish is worse than the reverse: another
        # language must be plain (lingua sure, or its own words) before the bot switches.
        best = _likelier_own_language(scores)
        second = next(code for code in ranked if code != best)
    margin = scores[best] - scores[second]
    confident = (unique_lead and lead == best) or margin >= 0.3 or lingua.get(best, 0.0) >= 0.75
    return best, confident, "lingua+lexicon"


OWN: tuple[str, ...] = ("fr", "en")


def _likelier_own_language(scores: dict[str, float]) -> str:
    """French or English, whichever `scores` prefers (French when they tie: the default)."""
    return "en" if scores.get("en", 0.0) > scores.get("fr", 0.0) else "fr"


def _clearly_other(code: str, hits: dict[str, int], lingua: dict[str, float], words: int) -> bool:
    """Whether a message of `words` content words is plainly in `code` (not fr or en)."""
    own = max(hits.get("fr", 0), hits.get("en", 0))
    if hits.get(code, 0) > own and hits.get(code, 0) >= 1:
        return True
    return words >= 3 and lingua.get(code, 0.0) >= 0.8 and hits.get(code, 0) >= own


def _lingua_scores(text: str) -> dict[str, float]:
    if not any(c.isalpha() for c in text):
        return {}
    values = lingua_detector().compute_language_confidence_values(text)
    return {v.language.iso_code_639_1.name.lower(): v.value for v in values}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(MessageComponent):
    """Sets the `language` property on every message and a `language` entity when sure."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"masked_entities": sorted(MASKED_ENTITIES)}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._masked = frozenset(self.config.get("masked_entities") or ())
        lingua_detector()  # build (≈1 s) when the model loads, not on the first message

    def process_message(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        entities = list(message.get(ENTITIES, []))
        spans = [
            (e["start"], e["end"])
            for e in entities
            if e.get("entity") in self._masked and "start" in e and "end" in e
        ]
        guess = detect(text, spans)
        message.set("language", guess.code, add_to_output=True)
        message.set("language_requested", guess.requested, add_to_output=True)
        message.set(SERVICE_LANGUAGE, guess.about_service, add_to_output=True)
        message.set(LANGUAGE_SOCIAL, guess.social, add_to_output=True)
        value = guess.entity_value
        if value:
            entity = {
                # the conversation's language (fr/en) fills the `language` slot; any other
                # gets the "call 211 with an interpreter" answer (bot/nlu/other_language.py)
                "entity": LANGUAGE_ENTITY if value in OWN else OTHER_LANGUAGE_ENTITY,
                "value": value,
                "start": 0,
                "end": len(text),
                "confidence_entity": 1.0 if guess.requested else 0.9,
            }
            self.add_entities(message, [entity])


def continued_language(parse: dict[str, Any], chosen: bool) -> dict[str, Any]:
    """The parse of a message in a conversation whose language was `chosen` before: nothing but
    social words ("hello?", "ok thx") keeps that language ("ok thx" after French exchanges
    switched the rest of the conversation to English). In a new conversation ("hi" first) the
    social words say the language. Applied by the processor, which holds the conversation
    (bot/runtime/patches.py, patch 5)."""
    if not chosen or not parse.get(LANGUAGE_SOCIAL):
        return parse
    entities = [e for e in parse.get(ENTITIES) or [] if e.get("entity") != LANGUAGE_ENTITY]
    return {**parse, ENTITIES: entities}
