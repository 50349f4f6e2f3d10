"""How a message answers the assistant's question: a correction, or a question about the place.

While the place is asked, a need written instead of a place either replaces the need
understood (a correction: "non c'est pas ça, il consomme de la drogue") or adds to it ("I
don't know, I'm homeless" after a food bank: food and shelter); and "why do you need my
location?" or "je préfère pas dire où j'habite" is told why the place is asked, not "I can't
find that place"; thanks said with a goodbye is a goodbye (bot/nlu/farewell.py).
actions/referral_form.py and actions/details.py ask this module. Patterns
live in `replies_lexicon.yml` (normalized text).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.nlu.lexicons import load_lexicon
from bot.nlu.normalize import normalize


def _alternation(patterns: list[str] | None) -> str:
    return "|".join(f"(?:{p})" for p in patterns or [])


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    lexicon = load_lexicon("replies")
    corrects = lexicon.get("corrects") or {}
    return {
        "starts": re.compile(rf"^(?:{_alternation(corrects.get('starts'))})\b"),
        "within": re.compile(rf"\b(?:{_alternation(corrects.get('within'))})\b"),
        "place_why": re.compile(rf"\b(?:{_alternation(lexicon.get('place_why'))})\b"),
        "farewells": re.compile(rf"\b(?:{_alternation(lexicon.get('farewells'))})\b"),
    }


def corrects(text: str) -> bool:
    """Whether `text` says that what was understood was wrong."""
    cleaned = normalize(text or "").strip()
    patterns = _patterns()
    return bool(patterns["starts"].search(cleaned) or patterns["within"].search(cleaned))


def asks_why_place(text: str) -> bool:
    """Whether `text` asks why the place is asked, or would rather not give it."""
    return bool(_patterns()["place_why"].search(normalize(text or "").strip()))


def says_goodbye(text: str) -> bool:
    """Whether `text` takes leave ("bye", "c'est tout", "have a good night")."""
    return bool(_patterns()["farewells"].search(normalize(text or "").strip()))
