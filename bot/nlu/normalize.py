"""One text normalization for every rule of the NLU, so a pattern written once matches the
ways people really type it: `J’AI BESOIN D’AIDE`, `jai besoin daide`, `j'ai besoin d'aide`.

Lowercase, accents stripped, apostrophes removed (SMS writers drop them: "jveux", "dont",
"im"), every other punctuation mark and emoji turned into a single space, a letter repeated
three times or more collapsed to one ("heeeelp" → "help"). `normalize_with_offsets` also
returns where each normalized character came from, so a rule match can be reported as an
entity span over the person's own words.
"""

from __future__ import annotations

import unicodedata

APOSTROPHES = frozenset("'’‘`´ʼ")
"""Characters SMS writers drop: removed rather than turned into spaces."""
_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss"}


def _fold(char: str) -> str:
    """One character lowercased, without accents; anything not a letter/digit → space."""
    lowered = char.lower()
    if lowered in _LIGATURES:
        return _LIGATURES[lowered]
    decomposed = unicodedata.normalize("NFKD", lowered)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else " " for c in kept)


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """The normalized text, and the index in `text` of each of its characters."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text or ""):
        if char in APOSTROPHES:
            continue
        for folded in _fold(char):
            if folded == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(folded)
            offsets.append(index)
    while chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    out: list[str] = []
    out_offsets: list[int] = []
    i = 0
    while i < len(chars):
        j = i
        while j < len(chars) and chars[j] == chars[i]:
            j += 1
        keep = 1 if (j - i) >= 3 and chars[i].isalpha() else j - i
        out.extend(chars[i : i + keep])
        out_offsets.extend(offsets[i : i + keep])
        i = j
    return "".join(out), out_offsets


def normalize(text: str) -> str:
    """The normalized form of `text` (see the module docstring)."""
    return normalize_with_offsets(text)[0]


def split_elisions(text: str) -> str:
    """`text` with each apostrophe a space ("l'hôpital" → "l hôpital"), same length, so offsets
    into it are offsets into `text`: for a word that must be found apart from its elided
    article or pronoun, which `normalize` glues to it ("lhopital")."""
    return "".join(" " if char in APOSTROPHES else char for char in text)


def fold_token(token: str) -> str:
    """A single token normalized and glued back into one word (for token lemmas)."""
    return normalize(token).replace(" ", "")


def span(offsets: list[int], text: str, start: int, end: int) -> tuple[int, int]:
    """The span of `text` (original) covered by normalized characters `start:end`."""
    if not offsets or start >= len(offsets):
        return len(text), len(text)
    return offsets[start], offsets[max(start, end - 1)] + 1
