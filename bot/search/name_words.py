"""The person's own words found in a service's name: the surest sign that it fits.

The encoder's similarity (`engine._text_scores`) compares whole texts: a long generic
description ("soins de santé pour toute la famille…") can score as high as the name of the
one service that answers ("Clinique dentaire à faible coût" for "un dentiste pas cher pour mon
fils"), and which one wins then depends on the encoder's last digits. A word the person wrote
that begins like a word of the name (the first `STEM` letters, accents and case folded:
"dentiste" and "dentaire", "avocat" and "avocats", "couches" and "Banque de couches") is a
plain, explainable signal the ranking adds to it.
"""

from __future__ import annotations

from functools import lru_cache

from bot.nlu.normalize import normalize, split_elisions


def _spacy_stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words for `language`, read from their own module alone: importing the
    package `spacy.lang.fr` first builds its tokenizer exceptions (5 s on 2 cores, 8 s with
    English), which made the first search after a start wait that long."""
    import importlib.util
    from pathlib import Path

    spacy = importlib.util.find_spec("spacy")  # finds the package without importing it
    if spacy is None or spacy.origin is None:
        raise ImportError("spaCy is not installed")
    path = Path(spacy.origin).parent / "lang" / language / "stop_words.py"
    spec = importlib.util.spec_from_file_location(f"relais_spacy_stop_words_{language}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no spaCy stop words for {language}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


FRENCH_STOP_WORDS = _spacy_stop_words("fr")
ENGLISH_STOP_WORDS = _spacy_stop_words("en")

STEM = 4
"""Letters two words must share from their start: enough for French and English endings."""

GENERIC = frozenset(
    {"aide", "aider", "besoin", "besoins", "help", "need", "needs", "service", "services",
     "centre", "center", "organisme", "svp", "please", "merci", "thanks", "bonjour", "hello"}
)  # fmt: skip
"""Words of any request or any name: they say nothing about which service fits."""


def _words(text: str) -> list[str]:
    """The words of `text` in the NLU's normal form (lower case, no accents), an apostrophe
    separating two words here ("l'avocat": "l", "avocat")."""
    return normalize(split_elisions(text)).split()


_STOP = frozenset(
    folded for words in (FRENCH_STOP_WORDS, ENGLISH_STOP_WORDS, GENERIC) for word in words
    for folded in _words(word)
)  # fmt: skip


@lru_cache(maxsize=65536)
def stems(text: str) -> frozenset[str]:
    """The meaningful words of `text`, cut to their first `STEM` letters."""
    return frozenset(w[:STEM] for w in _words(text) if len(w) >= STEM and w not in _STOP)


def shares_a_word(person_words: frozenset[str], names: dict[str, str]) -> bool:
    """Whether a name of the service (any language) holds one of the person's words."""
    return any(person_words & stems(name) for name in names.values() if name)
