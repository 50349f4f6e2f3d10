"""Which cards a question about the services is about ("le 2e", "le plus proche", "lequel").

The cards are read back from the conversation's events (the results payloads the bot sent,
bot/dialogue/results.py), so what the person saw is what is answered about: the latest answer's
cards for a question about each, every page shown for the need for a question that picks among
them (bot/dialogue/details.py writes the answer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.dialogue.results import is_results
from bot.nlu.normalize import normalize

Card = dict[str, Any]

LAST_CARD = "last"
NEAREST_CARD = "nearest"
"""The card nearest the place given: the least `distance_km` (the first shown when none has one)."""
WHICH_CARD = "which"
"""A question that picks among the cards ("lequel est ouvert demain?", "which one is free?")."""
NAME_WORDS_NEEDED = 2
"""Words of a card's name, found in a question, that name that card ("est-ce que le comité
logement est ouvert samedi?"): one alone is too often a word of the question itself ("c'est
gratuit pour les familles?" beside a "Maison des familles")."""
PICKING: tuple[str, ...] = (NEAREST_CARD, WHICH_CARD)
"""Questions about every card shown for the need, every page: "lequel est ouvert demain?"
after 1–3 then 4–6 looked at 4–6 only, when 1 and 3 open tomorrow."""


def _results(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    custom = (event.get("data") or {}).get("custom") if event.get("event") == "bot" else None
    return custom if is_results(custom) else None


def _cards_of(payload: Mapping[str, Any]) -> list[Card]:
    """A page's cards, each with the need it was shown for."""
    return [{**card, "need": payload.get("need")} for card in payload.get("cards") or []]


def _page(payload: Mapping[str, Any]) -> int:
    try:
        return max(int(payload.get("page") or 1), 1)
    except (TypeError, ValueError):
        return 1


def latest_cards(events: Iterable[Mapping[str, Any]]) -> list[Card]:
    """The cards of the latest answer that showed results (every need's page of that answer,
    the main need first)."""
    cards: list[Card] = []
    for event in reversed(list(events)):
        if event.get("event") == "user" and cards:
            break
        payload = _results(event)
        if payload is not None:
            cards = _cards_of(payload) + cards
    return cards


def shown_cards(events: Iterable[Mapping[str, Any]]) -> list[Card]:
    """Every card shown for the needs of the latest answer with results, every page of them
    (1–3, then 4–6 after "en as-tu d'autres?"), by need (the main need first), then number.
    A page counts when it is the page before one already counted for its need, so an earlier
    search of the same need (its own page 1) does not."""
    lowest: dict[str, int] = {}
    latest_needs: list[str] = []
    pages: list[Mapping[str, Any]] = []
    for event in reversed(list(events)):
        if event.get("event") == "user" and pages and not latest_needs:
            latest_needs = [str(p.get("need") or "") for p in pages]
        payload = _results(event)
        if payload is None:
            continue
        need, page = str(payload.get("need") or ""), _page(payload)
        if latest_needs and lowest.get(need) != page + 1:
            continue
        lowest[need] = page
        pages.insert(0, payload)
    latest_needs = latest_needs or [str(p.get("need") or "") for p in pages]
    order = {need: latest_needs.index(need) for need in latest_needs}
    cards: list[Card] = []
    seen: set[tuple[str, str]] = set()
    for payload in sorted(pages, key=lambda p: (order[str(p.get("need") or "")], _page(p))):
        for card in _cards_of(payload):
            key = (str(card["need"]), str(card.get("service_id")))
            if key not in seen:
                seen.add(key)
                cards.append(card)
    return cards


def chosen_cards(
    cards: list[Card], card: str | None, needs: Sequence[str] = ()
) -> list[Card] | None:
    """The cards the question is about: the one named, else all; None when the number named
    is not among them. A number is the card's number as shown ("4" on the second page), else
    its rank on the screen ("le premier" is the first shown). The nearest is among the cards
    of the need named, else the nearest of each need shown, main need first ("c'est quoi le
    plus proche?" after housing and food cards named the housing one at 1.8 km as the closest
    of all, with a food bank at 0.2 km); "which one" picks among the need named, else among
    all."""
    if card is None:
        return cards
    if card == NEAREST_CARD:
        far = float("inf")
        named = [c for c in cards if c.get("need") in needs] or cards
        nearest: dict[str, Card] = {}
        for shown in sorted(
            named, key=lambda c: far if c.get("distance_km") is None else c["distance_km"]
        ):
            nearest.setdefault(str(shown.get("need") or ""), shown)
        return sorted(nearest.values(), key=named.index)
    cards = [c for c in cards if c.get("need") in needs] or cards
    if card == LAST_CARD:
        return cards[-1:]
    if card == WHICH_CARD:
        return cards
    try:
        number = int(card)
    except ValueError:
        return None
    by_index = [c for c in cards if c.get("index") == number]
    if by_index:
        return by_index
    if 1 <= number <= len(cards):
        return [cards[number - 1]]
    return None


GENERIC_WORDS = frozenset(
    [
        "aide",
        "aides",
        "pour",
        "avec",
        "dans",
        "chez",
        "sans",
        "help",
        "with",
        "from",
        "into",
        "service",
        "services",
        "centre",
        "center",
        "organisme",
        "organization",
        "ressource",
        "resource",
    ]
)
"""Words of names that a question says for itself ("de l'aide pour des meubles")."""


def words_of(name: object) -> set[str]:
    """The distinctive words of a text: normalized, longer than 3 letters, not generic."""
    return {w for w in normalize(str(name or "")).split() if len(w) > 3 and w not in GENERIC_WORDS}


def _name_scores(cards: Sequence[Card], said: set[str], field: str) -> list[int]:
    """How many distinctive words of each card's `field` (not in every card's) are said."""
    names = [words_of(card.get(field)) for card in cards]
    shared = set.intersection(*names) if names else set()
    return [len((words - shared) & said) for words in names]


def named_cards(cards: Sequence[Card], text: str) -> list[Card]:
    """The cards a question names by their name ("est-ce que le comité logement est ouvert
    samedi?", "does the legal clinic cost money?"): those whose organization's or service's
    distinctive words (not in every card's, not generic) it says most, at least
    `NAME_WORDS_NEEDED` of them; none when it names none. A tester's question about one place
    was answered for all six. The organization and the service are weighed apart: "logement"
    is in every housing service's name but not in every organization's."""
    said = set(normalize(text or "").split())
    scores = [
        max(pair)
        for pair in zip(
            _name_scores(cards, said, "organization"),
            _name_scores(cards, said, "name"),
            strict=True,
        )
    ]
    best = max(scores, default=0)
    if best < NAME_WORDS_NEEDED:
        return []
    return [card for card, score in zip(cards, scores, strict=True) if score == best]
