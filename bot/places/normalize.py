"""Fold place names and messages into one comparable form.

People write "st-eustache", "ST EUSTACHE", "Saint-Eustache" or "St. Eustache" for the same
town. Everything the gazetteer compares goes through `fold`: lower case, no accents, œ → oe,
any punctuation (hyphen, en dash, apostrophe, dot) → one space, and the usual abbreviations
spelled out (st → saint, ste → sainte, mt → mont). `fold_with_offsets` keeps, for each folded
character, where it came from, so that a mention found in folded text maps back to the
person's own words.
"""

from __future__ import annotations

import re
import unicodedata

ABBREVIATIONS: dict[str, str] = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
    "mt": "mont",
    "pte": "pointe",
    "pt": "pointe",
    "n d": "notre dame",
}
"""Tokens spelled out before comparison (both for names and for what people write)."""

_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"}
_TOKEN = re.compile(r"[a-z0-9]+")
_ASCII_PUNCT = re.compile(r"[^a-z0-9]")

POSTAL_CODE = re.compile(
    r"(?<![A-Za-z0-9])([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])(?:[\s-]?(\d[ABCEGHJ-NPRSTV-Z]\d))?"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
"""A Canadian postal code, full ("H2X 1Y4", "h2x1y4", "H2X-1Y4") or its first three
characters (the FSA, "h2x"). Letters D, F, I, O, Q, U never occur; W, Z never lead."""


def _fold_char(char: str) -> str:
    if char in _LIGATURES:
        return _LIGATURES[char]
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    if len(base) == 1 and base.isalnum() and base.isascii():
        return base
    if base and all(c.isascii() and c.isalnum() for c in base):
        return base
    return " "


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold `text` character by character (no abbreviation expansion).

    Returns the folded string and, for each of its characters, the index in `text` it came
    from. Lengths are kept except for ligatures, which is why the offsets are needed.
    """
    if text.isascii():  # the common case: one character each, no table needed
        return _ASCII_PUNCT.sub(" ", text.lower()), list(range(len(text)))
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        chars.extend(folded)
        offsets.extend([index] * len(folded))
    return "".join(chars), offsets


def tokens(text: str) -> list[str]:
    """The folded tokens of `text`, abbreviations spelled out."""
    folded, _ = fold_with_offsets(text)
    return expand(_TOKEN.findall(folded))


def expand(words: list[str]) -> list[str]:
    """Spell out abbreviations in a list of folded tokens ("st" → "saint", "n d" → "notre dame")."""
    out: list[str] = []
    index = 0
    while index < len(words):
        pair = " ".join(words[index : index + 2])
        if pair in ABBREVIATIONS:
            out.extend(ABBREVIATIONS[pair].split())
            index += 2
            continue
        out.extend(ABBREVIATIONS.get(words[index], words[index]).split())
        index += 1
    return out


def fold(text: str) -> str:
    """The comparable form of a name: "Ste-Thérèse" → "sainte therese"."""
    return " ".join(tokens(text))


def fold_plain(text: str) -> str:
    """`fold` without spelling out abbreviations ("N.D.G." → "n d g", not "notre dame g")."""
    folded, _ = fold_with_offsets(text)
    return " ".join(_TOKEN.findall(folded))


def squash(folded: str) -> str:
    """`fold` without spaces, so that "Mc Masterville" meets "McMasterville"."""
    return folded.replace(" ", "")


def format_postal_code(fsa: str, ldu: str | None = None) -> str:
    """Canonical spelling: "H2X 1Y4", or "H2X" for an FSA alone."""
    return f"{fsa.upper()} {ldu.upper()}" if ldu else fsa.upper()
