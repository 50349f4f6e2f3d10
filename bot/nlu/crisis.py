"""`CrisisGuard`: the safety net that makes sure a crisis is never classified as something else.

It runs after the intent classifier (bot/nlu/intent_classifier.py) and before the `FallbackClassifier`:

1. figures of speech ("je meurs de faim", "this rent is killing me", "mort de rire", "killing
   time", "mon proprio va me tuer si je paye pas" — see `crisis_lexicon.yml` for that decision)
   are blanked out of the normalized text;
2. bilingual crisis patterns run on what is left. A match forces the matching `crisis_<kind>`
   intent at `forced_confidence`, even when the classifier ranked it low or not at all — a missed crisis
   costs far more than a false alarm, which a counsellor can undo. Patterns come in two
   strengths: `kinds` say a crisis in themselves ("je veux mourir", "he's hitting me", "il
   respire plus") and always fire; `keywords` only name a dangerous topic ("suicide",
   "overdose", a weapon, a child left alone) and fire only outside a calm frame;
3. a calm frame (`frames` in the lexicon) is how people mention those topics without being in
   danger: the past ("s'est suicidé il y a 3 ans", "used to hit me"), prevention and
   volunteering, a grief group, the news, a professional or a student asking, the usual
   medication, a custody file. In a calm frame the keywords are silent and the classifier's
   crisis prediction counts only when it is its top intent at `framed_confidence` or more
   (no rescue): the frame, not the keyword, decides;
4. with no pattern, the classifier's own crisis prediction stands (the model catches phrasings no rule
   foresaw), except when an idiom was found: then the best non-crisis intent replaces it.
   When another intent is on top but the crisis intents together reach `rescue_confidence`,
   the likeliest crisis kind is promoted: the classifier hesitating between "a need" and "a
   crisis" is treated as a crisis.

The outcome is the message property `crisis` (`suicide`, `violence`, `medical`, `child` or
None) and, for a crisis, an entity `crisis` carrying the kind (the `crisis` slot maps from it).
Matching is pure (`CrisisRules.match`); the component only applies it to the message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.component import MessageComponent
from bot.nlu.language import OTHER_LANGUAGE_ENTITY
from bot.nlu.lexicons import expand_words, lexicon_words, load_lexicon
from bot.nlu.normalize import normalize_with_offsets, span
from bot.nlu.sentence_vectors import LANGUAGES as ENCODER_LANGUAGES

logger = logging.getLogger(__name__)

CRISIS_PREFIX = "crisis_"
KINDS: tuple[str, ...] = ("medical", "suicide", "violence", "child")
"""Priority order when several kinds match and the classifier's top intent is none of them;
`child` always wins when matched (its patterns require a child or a minor in the message)."""

NEED_AFTER_CRISIS = {"violence": "violence", "suicide": "mental_health", "medical": "health"}
"""The need whose services someone asks for after a crisis line of this kind ("je veux juste
savoir mes options" after SOS violence conjugale). A child in danger has none: youth
protection is the line itself."""


CRISIS_SAID = "crisis_said"
"""Message property: the words themselves name this crisis (one of its patterns matched), as
opposed to the classifier's reading alone (`continued_crisis` keeps a conversation's crisis
against the latter)."""

SAID_SAFE_INTENT = "deny"
"""What saying one is safe is: a no to the crisis line's "if you are in danger now"."""
ASIDES = ("denials", "lacks", "worries")
"""The lexicon's sections of asides (bot/nlu/crisis_lexicon.yml)."""
ASIDE_ALONE_WORDS = 4
"""An aside (a denial of danger, something lacked) with at most this many other words is the
message itself ("non non, personne est en danger", "she doesn't have a phone"); in a longer
message ("elle a pas de téléphone pis elle répond plus depuis hier") the classifier still
reads the rest."""


@dataclass(frozen=True)
class CrisisMatch:
    """One crisis pattern found in a message (`start`/`end` index the original text)."""

    kind: str
    start: int
    end: int
    text: str
    strong: bool = True
    """A pattern that says a crisis in itself (`kinds`), not only a dangerous topic (`keywords`)."""


@dataclass(frozen=True)
class CrisisScan:
    """What the rules saw in a message: crisis matches, and whether an idiom was there."""

    matches: tuple[CrisisMatch, ...]
    idiom: bool
    framed: bool = False
    """A calm frame was found (keywords were not run)."""
    partner: bool = False
    """The writer says a partner hit them ("mon chum m'a frappée"): conjugal violence, whatever
    else the message names ("je suis chez ma mère" made the classifier say a child)."""
    elder_only: bool = False
    """An elder is named and no child: the classifier's child kind is not believed (an
    elder's fall was rescued as a child in danger)."""
    safe_now: bool = False
    """The whole message says the writer is safe ("i'm safe now, at my sister's"): a no to the
    crisis line's "if you are in danger now"."""

    @property
    def kinds(self) -> list[str]:
        """The kinds matched, each once, in priority order."""
        found = {m.kind for m in self.matches}
        return [kind for kind in KINDS if kind in found]

    @property
    def topic_only(self) -> bool:
        """Only keywords matched: a dangerous topic is named, no one is said to be in danger."""
        return bool(self.matches) and not any(m.strong for m in self.matches)


@dataclass(frozen=True)
class CrisisLexicon:
    """The sections of `crisis_lexicon.yml`, as written (regular expressions over normalized
    text, `<name>` for a word list)."""

    kinds: dict[str, list[str]]
    """Patterns that say someone is in danger now: they always fire."""
    idioms: list[str] = field(default_factory=list)
    """Figures of speech, blanked before any pattern runs."""
    keywords: dict[str, list[str]] = field(default_factory=dict)
    """A dangerous topic named: silent in a calm frame."""
    frames: list[str] = field(default_factory=list)
    """Calm frames (the past, grief, prevention...)."""
    words: dict[str, str] = field(default_factory=dict)
    """The lexicon's own word lists (the shared ones are added: `lexicon_words`)."""
    asides: list[str] = field(default_factory=list)
    """Denials of danger, things lacked, worry: said alone, they are the message."""
    safe_now: list[str] = field(default_factory=list)
    """Saying one is safe, as the whole message."""
    partner_violence: list[str] = field(default_factory=list)
    elder_named: list[str] = field(default_factory=list)
    child_named: list[str] = field(default_factory=list)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CrisisLexicon:
        """The lexicon of a parsed `crisis_lexicon.yml` (the aside sections joined)."""
        return cls(
            kinds=data.get("kinds") or {},
            idioms=data.get("idioms") or [],
            keywords=data.get("keywords") or {},
            frames=data.get("frames") or [],
            words=data.get("words") or {},
            asides=[p for section in ASIDES for p in data.get(section) or []],
            safe_now=data.get("safe_now") or [],
            partner_violence=data.get("partner_violence") or [],
            elder_named=data.get("elder_named") or [],
            child_named=data.get("child_named") or [],
        )


class CrisisRules:
    """The compiled patterns of a crisis lexicon."""

    def __init__(
        self, lexicon: CrisisLexicon, answers: Callable[[str], bool] | None = None
    ) -> None:
        """`answers`: whether a whole message answers the assistant's question (it is then an
        aside: no crisis unless a pattern says one)."""
        unknown = (set(lexicon.kinds) | set(lexicon.keywords)) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown crisis kinds in lexicon: {sorted(unknown)}")
        words = lexicon_words(lexicon.words)

        def compiled(patterns: list[str]) -> list[re.Pattern[str]]:
            return [re.compile(expand_words(pattern, words)) for pattern in patterns]

        self.patterns = {kind: compiled(lexicon.kinds.get(kind, [])) for kind in KINDS}
        self.keywords = {kind: compiled(lexicon.keywords.get(kind, [])) for kind in KINDS}
        self.idioms = compiled(lexicon.idioms)
        self.frames = compiled(lexicon.frames)
        self.asides = compiled(lexicon.asides)
        self.safe_now = compiled(lexicon.safe_now)
        self.partner_violence = compiled(lexicon.partner_violence)
        self.elder_named = compiled(lexicon.elder_named)
        self.child_named = compiled(lexicon.child_named)
        self.answers = answers

    def match(self, text: str) -> CrisisScan:
        """Idioms and asides blanked, then every crisis pattern run over the normalized text.
        `idiom` in the scan: an idiom was found, or an aside made (almost) the whole message."""
        normalized, offsets = normalize_with_offsets(text)
        cleaned, idiom = _blank(self.idioms, normalized)
        cleaned, aside = _blank(self.asides, cleaned)
        # an aside said (almost) alone is the whole message: no crisis unless a pattern says one
        idiom = idiom or (aside and len(cleaned.split()) <= ASIDE_ALONE_WORDS)
        safe_now = any(pattern.search(normalized) for pattern in self.safe_now)
        idiom = idiom or safe_now or bool(self.answers and self.answers(text))
        framed = any(pattern.search(cleaned) for pattern in self.frames)
        matches = []
        for kind in KINDS:
            strong = [(pattern, True) for pattern in self.patterns[kind]]
            weak = [] if framed else [(pattern, False) for pattern in self.keywords[kind]]
            for pattern, is_strong in strong + weak:
                hit = pattern.search(cleaned)
                if hit:
                    start, end = span(offsets, text, *hit.span())
                    matches.append(CrisisMatch(kind, start, end, text[start:end], is_strong))
                    break
        partner = any(pattern.search(cleaned) for pattern in self.partner_violence)
        elder_only = any(p.search(cleaned) for p in self.elder_named) and not any(
            p.search(cleaned) for p in self.child_named
        )
        return CrisisScan(tuple(matches), idiom, framed, partner, elder_only, safe_now)


def _blank(patterns: list[re.Pattern[str]], text: str) -> tuple[str, bool]:
    """`text` with every match of `patterns` turned to spaces (offsets kept), and whether one
    matched."""
    found_any = False
    for pattern in patterns:
        for found in pattern.finditer(text):
            found_any = True
            start, end = found.span()
            text = text[:start] + " " * (end - start) + text[end:]
    return text, found_any


@lru_cache(maxsize=1)
def default_rules() -> CrisisRules:
    """The project's crisis rules, compiled once per process. An answer to the assistant's own
    question, said alone, is an aside too: not giving the place or asking why it is asked
    (the replies lexicon's `place_why`: "jveux pas le dire" was a suicide crisis at 0.99), and
    a follow-up of nothing but a day or a time ("pis le soir?" after the cards, the same;
    `DetailLexicon.asks_only_when`)."""
    from bot.nlu.details import default_lexicon as details_lexicon

    lexicon = CrisisLexicon.from_data(load_lexicon("crisis"))
    place_why = [rf"\b(?:{p})\b" for p in load_lexicon("replies").get("place_why") or []]
    return CrisisRules(
        replace(lexicon, asides=[*lexicon.asides, *place_why]),
        answers=details_lexicon().asks_only_when,
    )


def is_crisis_intent(name: str | None) -> bool:
    return bool(name) and str(name).startswith(CRISIS_PREFIX)


def _below(ranking: list[dict], name: str, forced: float) -> list[dict]:
    """The ranking without `name`, scaled to share what the forced crisis leaves (1 − forced).
    Left as it was, a need the classifier was sure of ("il me frappe, je cherche une maison
    d'hébergement": need_violence 0.998) stayed above the forced 0.99, and the
    FallbackClassifier, seeing two intents 0.008 apart, answered nlu_fallback to a person in
    danger."""
    rest = [dict(item) for item in ranking if item["name"] != name]
    total = sum(float(item.get("confidence") or 0.0) for item in rest)
    if total > 1.0 - forced:
        for item in rest:
            item["confidence"] = float(item.get("confidence") or 0.0) * (1.0 - forced) / total
    return rest


def _child_believed(scan: CrisisScan) -> bool:
    """The classifier's child kind stands: no partner hit the writer, no elder alone named."""
    return not scan.partner and not scan.elder_only


def _classifier_kind(ranking: list[dict], scan: CrisisScan) -> str:
    """The likeliest crisis kind of the ranking, the child kind only when believed; a partner
    who hit the writer makes it violence."""
    kinds = [
        str(item["name"])[len(CRISIS_PREFIX) :]
        for item in sorted(ranking, key=lambda item: -float(item.get("confidence") or 0.0))
        if is_crisis_intent(item.get("name"))
    ]
    if kinds[0] == "child" and not _child_believed(scan):
        return "violence" if scan.partner else next((k for k in kinds if k != "child"), "child")
    return kinds[0]


def _crisis_weight(ranking: list[dict]) -> float:
    """The confidence the classifier gives the crisis intents together."""
    return sum(float(r.get("confidence") or 0.0) for r in ranking if is_crisis_intent(r["name"]))


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=False,
)
class CrisisGuard(MessageComponent):
    """Forces `crisis_*` intents on crisis patterns and vetoes crisis predictions on idioms."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # confidence given to a crisis intent forced by a pattern
            "forced_confidence": 0.99,
            # crisis intents ranked below the top, taken together, are promoted from this
            # total on (chosen on the held-out sets: recall 0.98-1.0 for 2-2.6 % false alarms;
            # 0.25 missed 1-2 % more crises, 0.15 doubled the false alarms)
            "rescue_confidence": 0.2,
            # in a calm frame, the classifier's crisis counts only as its top intent from here
            # (unseen sets: 0.65 gives 0.4 point fewer false alarms than 0.5, same recall)
            "framed_confidence": 0.65,
            # a keyword alone (a topic named, no one said in danger) is outweighed when the
            # classifier is this sure of a need or a conversation intent AND gives the crisis
            # intents together less than `rescue_confidence` (1.0: keywords always fire).
            # Unseen sets: 0.4 gives 1.5-2.3 points fewer false alarms than 1.0, the same
            # crisis recall on every set (held-out, blind, unseen)
            "topic_veto_confidence": 0.4,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._forced = float(self.config["forced_confidence"])
        self._rescue = float(self.config["rescue_confidence"])
        self._framed = float(self.config["framed_confidence"])
        self._topic_veto = float(self.config["topic_veto_confidence"])
        self._rules = default_rules()
        if not any(self._rules.patterns.values()):
            logger.warning("CrisisGuard has no crisis patterns: it only relays the classifier.")

    def process_message(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        scan = self._rules.match(text)
        intent = message.get(INTENT) or {}
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        foreign = {
            str(e.get("value"))
            for e in message.get(ENTITIES) or []
            if e.get("entity") == OTHER_LANGUAGE_ENTITY
        }
        kind = self._decide(
            scan, intent, ranking, bool(foreign), unread=bool(foreign - ENCODER_LANGUAGES)
        )
        if kind is None and scan.safe_now:
            self._said_safe(message, ranking)
        elif kind is None and is_crisis_intent(intent.get("name")):
            self._demote(message, ranking)
        elif kind is not None:
            self._force(message, kind, intent, ranking, scan)
        message.set("crisis", kind, add_to_output=True)

    def _decide(
        self,
        scan: CrisisScan,
        intent: dict,
        ranking: list[dict],
        foreign: bool = False,
        unread: bool = False,
    ) -> str | None:
        """The crisis kind of the message, or None. `foreign`: the message is in a third
        language (LanguageDetector), where the classifier, trained on French and English, is
        believed only when a crisis is its top intent: Haitian Creole reads to it as misspelled
        French ("manje pou pitit mwen" gave crisis_child 0.16, enough to be rescued). `unread`:
        that language is not one the sentence encoder knows (Haitian Creole), so the classifier
        is not believed at all and only the patterns decide ("mwen pa ka peye lwaye mwen", I
        cannot pay my rent, was its top crisis_child; the lexicon's Creole patterns catch
        "mwen vle mouri")."""
        if scan.kinds and not (scan.topic_only and self._calm_by_the_classifier(intent, ranking)):
            top = "" if unread else str(intent.get("name") or "")[len(CRISIS_PREFIX) :]
            if "child" in scan.kinds or (top == "child" and _child_believed(scan)):
                # A child in danger is the most specific kind (youth protection as well as 911):
                # a child pattern needs a child in the message; the classifier can tell one
                # that the patterns miss ("le ti-cul") while a violence pattern fires, unless
                # the writer says a partner hit them.
                return "child"
            if any(match.kind == "medical" and match.strong for match in scan.matches):
                # the body in danger now (pills already swallowed, not breathing, bleeding):
                # 911 first, whatever else the message is ("jai pris toute ma boite de pilules"
                # is also a suicide attempt: the medical line names the suicide line too)
                return "medical"
            return top if top in scan.kinds else scan.kinds[0]
        if scan.idiom or unread:
            return None
        if scan.framed:
            top = str(intent.get("name") or "")
            confident = float(intent.get("confidence") or 0.0) >= self._framed
            return top[len(CRISIS_PREFIX) :] if is_crisis_intent(top) and confident else None
        if is_crisis_intent(intent.get("name")):
            return _classifier_kind(ranking or [intent], scan)
        crisis = [item for item in ranking if is_crisis_intent(item["name"])]
        if crisis and not foreign and _crisis_weight(ranking) >= self._rescue:
            return _classifier_kind(ranking, scan)
        return None

    def _calm_by_the_classifier(self, intent: dict, ranking: list[dict]) -> bool:
        """The classifier is sure of a non-crisis intent and gives the crises little weight."""
        if is_crisis_intent(intent.get("name")):
            return False
        if float(intent.get("confidence") or 0.0) < self._topic_veto:
            return False
        return _crisis_weight(ranking) < self._rescue

    def _force(
        self,
        message: Message,
        kind: str,
        intent: dict,
        ranking: list[dict],
        scan: CrisisScan,
    ) -> None:
        name = f"{CRISIS_PREFIX}{kind}"
        if intent.get("name") != name or intent.get("confidence", 0.0) < self._forced:
            confidence = self._forced
            message.set(INTENT, {"name": name, "confidence": confidence}, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [{"name": name, "confidence": confidence}, *_below(ranking, name, confidence)],
                add_to_output=True,
            )
        match = next((m for m in scan.matches if m.kind == kind), None)
        text = message.get(TEXT) or ""
        start, end = (match.start, match.end) if match else (0, len(text))
        entity = {
            "entity": "crisis",
            "value": kind,
            "start": start,
            "end": end,
            "confidence_entity": 1.0 if match else float(intent.get("confidence") or 0.0),
        }
        self.add_entities(message, [entity])
        message.set(CRISIS_SAID, match is not None, add_to_output=True)

    def _said_safe(self, message: Message, ranking: list[dict]) -> None:
        """ "I'm safe now": a no to "if you are in danger now" (the rules answer a no after the
        crisis line and the counsellor offer), whatever the classifier read."""
        said = {"name": SAID_SAFE_INTENT, "confidence": self._forced}
        message.set(INTENT, said, add_to_output=True)
        message.set(
            INTENT_RANKING_KEY,
            [said, *_below(ranking, SAID_SAFE_INTENT, self._forced)],
            add_to_output=True,
        )

    @staticmethod
    def _demote(message: Message, ranking: list[dict]) -> None:
        """An idiom, not a crisis: the classifier's best non-crisis intent takes the top."""
        rest = [r for r in ranking if not is_crisis_intent(r["name"])]
        if not rest:
            return
        top = rest[0]
        message.set(
            INTENT, {"name": top["name"], "confidence": top["confidence"]}, add_to_output=True
        )
        crisis = [r for r in ranking if is_crisis_intent(r["name"])]
        message.set(INTENT_RANKING_KEY, [*rest, *crisis], add_to_output=True)


def continued_crisis(parse: dict[str, Any], earlier: str | None) -> dict[str, Any]:
    """The parse of a message in a conversation whose crisis line of kind `earlier` was given:
    a crisis of another kind that the words do not say (`CRISIS_SAID`) is that crisis going on.
    After "il m'a poussée contre le mur", "il sait pas que jécris" was read as a medical
    emergency and "what do I do tonight" as suicide: the person got another crisis's line in
    the middle of their own. A message that says another crisis ("j'ai pris toutes mes
    pilules") still gets its own line. Applied by the processor, which holds the
    conversation (bot/runtime/patches.py, patch 5)."""
    intent = parse.get(INTENT) or {}
    name = str(intent.get("name") or "")
    if earlier not in KINDS or not is_crisis_intent(name) or parse.get(CRISIS_SAID):
        return parse
    if name == f"{CRISIS_PREFIX}{earlier}":
        return parse
    kept = f"{CRISIS_PREFIX}{earlier}"
    ranking = [
        {**item, "name": kept} if item.get("name") == name else item
        for item in parse.get(INTENT_RANKING_KEY) or []
        if item.get("name") != kept
    ]
    entities = [
        {**entity, "value": earlier} if entity.get("entity") == "crisis" else entity
        for entity in parse.get(ENTITIES) or []
    ]
    logger.debug("crisis %s read as the conversation's %s going on", name, earlier)
    return {
        **parse,
        INTENT: {**intent, "name": kept},
        INTENT_RANKING_KEY: ranking,
        ENTITIES: entities,
        "crisis": earlier,
    }
