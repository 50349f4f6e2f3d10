"""`NeedsExtractor`: every need of a message, the main one first.

People often state two needs at once ("j'ai perdu ma job pis chu pu capable de payer mon
loyer"). The intent classifier picks one intent; this component keeps the others, from two sources:

- the intent ranking: a `need_<id>` intent other than the top one counts when its confidence
  is at least `min_confidence` AND `relative_confidence` × the top intent's confidence;
- the bilingual keyword lexicon (`needs_lexicon.yml`), the need the classifier weighs most
  first, then in order of appearance — it also finds
  a need stated inside another intent ("allo, je cherche une banque alimentaire" → greet).

The main need is the top intent's need when the top intent is `need_<id>`, else the lexicon's
first (as above: the classifier's weight, then the text). What the dialogue reads (see docs/architecture.md, assistant contract):

- entity `need`: exactly one, the main need (a text slot `need` maps from it — a text slot
  takes the LAST value of an entity, so only one `need` entity is ever emitted);
- entity `needs`: one per need, main first (a list slot `needs` maps from it);
- message property `needs`: the same list, for actions reading `tracker.latest_message`.

Run it after `CrisisGuard` and before `FallbackClassifier`, so the ranking is the classifier's.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.directory.needs import NEED_PREFIX
from bot.nlu.component import MessageComponent, choose_intent, ranked_confidence
from bot.nlu.lexicons import expand_words, lexicon_words, load_lexicon
from bot.nlu.normalize import normalize, normalize_with_offsets, span, split_elisions
from bot.nlu.places import PLACE_ENTITY

NOT_A_NEED = frozenset({"need_unspecified"})


def need_of_intent(name: str | None) -> str | None:
    """`need_food` → `food`; any other intent → None."""
    if not name or not name.startswith(NEED_PREFIX) or name in NOT_A_NEED:
        return None
    return name[len(NEED_PREFIX) :]


WHO_WRITES = "who_writes"
"""The lexicon's section of the writer's own job and workplace, blanked before the needs are
looked for ("je suis travailleuse sociale au CLSC" names no health need)."""
NEAR_A_PLACE = "near_a_place"
"""The lexicon's section of a place of the person's life that says where to search ("plutôt
près de mon travail, à Saint-Laurent", "near my kid's school"), blanked too: it names no need."""
WHERE_I_WORK = "where_i_work"
"""The lexicon's section of where the person works ("je travaille à Laval"), blanked too."""
DENIED = "denied"
"""The lexicon's section of a need the writer denies ("I'm not drinking or anything", "je
consomme pas"), blanked too: it got an addiction button."""
BLANKED = (WHO_WRITES, NEAR_A_PLACE, WHERE_I_WORK, DENIED)
PLACE_INTENT = "provide_place"
NOT_NEEDS = frozenset({*BLANKED, "words"})
"""The lexicon's sections that are not needs."""


class NeedLexicon:
    """The compiled need keywords: `find(text)` → [(need, start, end)] in text order."""

    def __init__(
        self,
        entries: dict[str, list[str]],
        blanked: list[str] | None = None,
        near: list[str] | None = None,
    ) -> None:
        self.patterns = {
            need: re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in phrases) + r")\b")
            for need, phrases in entries.items()
            if phrases
        }
        self.blanked = [re.compile(r"\b(?:" + p + r")\b") for p in blanked or []]
        self.near = [re.compile(r"\b(?:" + p + r")\b") for p in near or []]

    def says_near_a_place_of_life(self, text: str) -> bool:
        """Whether the message says where to search by a place of the person's life ("proche
        de ma job", "near my kid's school")."""
        variants = {normalize(text), normalize(split_elisions(text))}
        return any(pattern.search(v) for pattern in self.near for v in variants)

    def _blank_what_is_not_a_need(self, normalized: str) -> str:
        """`normalized` with the writer's job and workplace, and the places of the person's
        life said as where to search, turned to spaces (offsets kept)."""
        for pattern in self.blanked:
            normalized = pattern.sub(lambda m: " " * len(m.group(0)), normalized)
        return normalized

    def find(self, text: str) -> list[tuple[str, int, int]]:
        # Normalizing drops apostrophes, which glues an elided word to its article or pronoun
        # ("à l'hôpital" → "a lhopital", "m'intimide" → "mintimide"). The words are looked for
        # in that text, then, if it has an apostrophe, with the words apart; the glued form
        # stays first, as people type "lhopital" too.
        split = split_elisions(text)
        variants = [normalize_with_offsets(text)]
        if split != text:
            variants.append(normalize_with_offsets(split))
        variants = [(self._blank_what_is_not_a_need(norm), offsets) for norm, offsets in variants]
        found = []
        for need, pattern in self.patterns.items():
            for normalized, offsets in variants:
                match = pattern.search(normalized)
                if match:
                    found.append((need, *span(offsets, text, *match.span())))
                    break
        return sorted(found, key=lambda item: item[1])


@lru_cache(maxsize=1)
def default_lexicon() -> NeedLexicon:
    """The project's need lexicon, compiled once per process (`<country>` in an entry: every
    country's name in French and English, from Babel's CLDR data; `<elder>` and the other
    shared lists: words_lexicon.yml)."""
    data = load_lexicon("needs")
    words = lexicon_words({"country": "|".join(country_names()), **(data.get("words") or {})})
    entries = {
        need: [expand_words(phrase, words) for phrase in phrases]
        for need, phrases in data.items()
        if need not in NOT_NEEDS
    }
    blanked = [expand_words(p, words) for section in BLANKED for p in data.get(section) or []]
    near = [expand_words(p, words) for p in data.get(NEAR_A_PLACE) or []]
    return NeedLexicon(entries, blanked, near)


def country_names() -> list[str]:
    """Countries' names in French and English, normalized like a message ("Haïti" → "haiti"),
    longest first; not Canada, where everyone writing to 211 is."""
    from babel import Locale

    names = {
        normalize(name)
        for language in ("fr", "en")
        for code, name in Locale(language).territories.items()
        if code.isalpha() and len(code) == 2 and code != "CA"
    }
    return sorted((re.escape(n) for n in names if n), key=len, reverse=True)


def rank_needs(
    text: str,
    intent: dict | None,
    ranking: list[dict],
    lexicon: NeedLexicon,
    min_confidence: float = 0.2,
    relative_confidence: float = 0.35,
) -> list[tuple[str, int, int]]:
    """The needs of a message, main first, each with the span that names it (or the text)."""
    whole = (0, len(text))
    found: dict[str, tuple[int, int]] = {}
    lexical = lexicon.find(text)
    spans = {need: (start, end) for need, start, end in lexical}
    main = need_of_intent((intent or {}).get("name"))
    if main:
        found[main] = spans.get(main, whole)
    top = float((intent or {}).get("confidence") or 0.0)
    for item in ranking:
        need = need_of_intent(item.get("name"))
        confidence = float(item.get("confidence") or 0.0)
        if (
            need
            and need not in found
            and main is not None
            and confidence >= min_confidence
            and confidence >= relative_confidence * top
        ):
            found[need] = spans.get(need, whole)
    # the words' needs, the one the classifier weighs most first, then in text order: in "he
    # keeps skipping school and smoking weed" the worry is the weed (addiction 0.17, education
    # 0.01), and the first needs are the ones shown as cards
    weight = {
        need_of_intent(item.get("name")): float(item.get("confidence") or 0.0) for item in ranking
    }
    for need, start, end in sorted(lexical, key=lambda item: (-weight.get(item[0], 0.0), item[1])):
        found.setdefault(need, (start, end))
    return [(need, start, end) for need, (start, end) in found.items()]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class NeedsExtractor(MessageComponent):
    """Emits entities `need` (main) and `needs` (all, main first) and the property `needs`."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_confidence": 0.2, "relative_confidence": 0.35, "unsure_below": 0.5}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._min = float(self.config["min_confidence"])
        self._relative = float(self.config["relative_confidence"])
        self._unsure_below = float(self.config["unsure_below"])
        self._lexicon = default_lexicon()

    def process_message(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        self._a_place_of_life_is_where_to_search(message, text)
        self._trust_words_over_an_unsure_classifier(message, text)
        needs = rank_needs(
            text,
            message.get(INTENT),
            list(message.get(INTENT_RANKING_KEY) or []),
            self._lexicon,
            self._min,
            self._relative,
        )
        message.set("needs", [need for need, _, _ in needs], add_to_output=True)
        if not needs:
            return
        new = []
        main, start, end = needs[0]
        new.append({"entity": "need", "value": main, "start": start, "end": end})
        for need, start, end in needs:
            new.append({"entity": "needs", "value": need, "start": start, "end": end})
        self.add_entities(message, new)

    def _a_place_of_life_is_where_to_search(self, message: Message, text: str) -> None:
        """A message that names a place and says to search near a place of the person's life,
        with no need word besides, is where to search: "en fait cherche plutôt proche de ma
        job, à Laval" after the cards was read as a job search (employment 0.43, the place
        0.37), and "near my kid's school in NDG" as education. `provide_place` takes the need's
        confidence with its own, and the need leaves the ranking. Training lines for it were
        measured and left out: they moved crises at the rescue threshold."""
        intent = message.get(INTENT) or {}
        name = str(intent.get("name") or "")
        if not name.startswith(NEED_PREFIX):
            return
        if not any(e.get("entity") == PLACE_ENTITY for e in message.get(ENTITIES) or []):
            return
        if not self._lexicon.says_near_a_place_of_life(text) or self._lexicon.find(text):
            return
        confidence = ranked_confidence(message, PLACE_INTENT) + float(intent.get("confidence") or 0)
        choose_intent(message, PLACE_INTENT, confidence, replaced=[name])

    def _trust_words_over_an_unsure_classifier(self, message: Message, text: str) -> None:
        """A need the message names plainly becomes the intent when the classifier did not name
        one itself:

        - it is unsure (below `unsure_below`) and picked no crisis or conversation intent: "j'ai
          besoin de nourriture, j'habite à Laval" must not become "I did not understand";
        - it picked `need_unspecified` ("a need whose topic is not said"), which the words
          contradict: "je cherche de l'aide alimentaire pour ma mère" read as unspecified (0.53)
          because help asked for a relative, said alone, is unspecified in the training data.

        In place of `need_unspecified`, the named need takes the confidence of both (the
        unspecified need was this one, its topic unsaid), and the unspecified need leaves the
        ranking. In place of an unsure need it takes `unsure_below` and the unsure need stays
        second: when the two are within the FallbackClassifier's margin, the person is asked to
        rephrase. Giving the named need more (the unsure need's confidence plus its own) was
        measured: it guesses wrong more often than the question costs (unseen FR 0.909 → 0.906,
        EN 0.917 → 0.916)."""
        intent = message.get(INTENT) or {}
        name = str(intent.get("name") or "")
        confidence = float(intent.get("confidence") or 0.0)
        unspecified = name in NOT_A_NEED
        unsure = confidence < self._unsure_below and (name.startswith(NEED_PREFIX) or not name)
        if not (unspecified or unsure):
            return
        lexical = self._lexicon.find(text)
        if not lexical:
            return
        promoted = f"{NEED_PREFIX}{lexical[0][0]}"
        if unspecified:
            own = ranked_confidence(message, promoted)
            choose_intent(message, promoted, confidence + own, replaced=[name])
        else:
            choose_intent(message, promoted, self._unsure_below)
