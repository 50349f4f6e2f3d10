"""Loading the NLU's word lists (`bot/nlu/*_lexicon.yml`), once per process.

The lists are data, not code, so a counsellor can add "dépanneur alimentaire" to the food need
without touching Python; this module only reads them and splits space-separated word lists.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_WORD_LIST = re.compile(r"<([a-z_]+)>")

LEXICON_DIR = Path(__file__).resolve().parent


@cache
def load_lexicon(name: str) -> dict[str, Any]:
    """The parsed `bot/nlu/<name>_lexicon.yml` (cached; treat it as read-only)."""
    path = LEXICON_DIR / f"{name}_lexicon.yml"
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def word_set(value: str | list[str] | None) -> frozenset[str]:
    """A space-separated word list (or a YAML list of words) as a set."""
    if not value:
        return frozenset()
    if isinstance(value, str):
        return frozenset(value.split())
    return frozenset(word for item in value for word in str(item).split())


def lexicon_words(own: dict[str, str] | None = None) -> dict[str, str]:
    """A lexicon's own word lists with the shared ones (`words_lexicon.yml`: who is an elder,
    for instance, is one fact for the needs, the crisis lines and the profile). A name in both
    is an error: the shared list is the only one."""
    shared = {name: str(value) for name, value in load_lexicon("words").items()}
    clash = set(shared) & set(own or {})
    if clash:
        raise ValueError(f"lexicon: {sorted(clash)} already in words_lexicon.yml")
    return {**shared, **(own or {})}


def expand_words(pattern: str, words: dict[str, str]) -> str:
    """`<child>` in a pattern → `(enfant|enfants|…)`, from a lexicon's `words` (a list may
    use another: `<young_relative> <child_age>`). An unknown name is an error, not a literal."""

    def expanded(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in words:
            raise ValueError(f"lexicon: no word list named <{name}>")
        alternatives = "|".join(part.strip() for part in words[name].split("|"))
        return "(" + expand_words(alternatives, words) + ")"

    return _WORD_LIST.sub(expanded, pattern)


RANKS: tuple[int | str, ...] = (1, 2, 3, 4, 5, 6, "last")
"""The ordinals of `details_lexicon.yml` that name a card by its rank (not `nearest`, `which`)."""


def card_ranks() -> str:
    """One alternation of the words that name a card by its rank ("le 2e", "the second one",
    "la dernière"): `details_lexicon.yml` `card.ordinals` is the only list, read by the details
    extractor for which card and by the language detector for "is a card named?"."""
    ordinals = (load_lexicon("details").get("card") or {}).get("ordinals") or {}
    phrases: list[str] = []
    for rank in RANKS:
        value = ordinals.get(rank)
        if value:
            phrases.extend([value] if isinstance(value, str) else list(value))
    return "|".join(f"(?:{phrase})" for phrase in phrases)
