"""SMS segments: GSM-7 or UCS-2, how many parts a text costs, and where to cut it.

A single SMS holds 160 GSM-7 characters or 70 UCS-2 code units; a longer text is sent as
concatenated parts of 153 or 67 (the rest of each part carries the reassembly header).
One character outside GSM-7 switches the whole message to UCS-2, which more than halves
what fits: a French reply of 3 parts drops from 459 to 201 characters.

Accents, decided on purpose (docs/sms.md): é è à ù (and É, Ç, ì, ò) are GSM-7 and are
always kept. ê â î ô û ë ï ç œ, typographic quotes, dashes, no-break spaces are not: when
replacing them (ê→e, ç→c, œ→oe, ’→') makes the whole text GSM-7, we replace them, because a
French reader reads "etre" or "Hopital" without effort while UCS-2 would cost twice the
messages. When the text has something that has no GSM-7 form (a name in Arabic script,
an emoji, a Portuguese "ó" or a Vietnamese "ế": only French typography is replaced), it is sent
in UCS-2 *unchanged*, with every accent, since it pays UCS-2 anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["gsm7", "ucs2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""3GPP TS 23.038 default alphabet (without the escape code)."""

GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
"""Characters reached through the escape code: each costs two septets."""

SINGLE_LIMIT: dict[Encoding, int] = {"gsm7": 160, "ucs2": 70}
PART_LIMIT: dict[Encoding, int] = {"gsm7": 153, "ucs2": 67}

TRANSLITERATION: dict[str, str] = {
    "ê": "e", "ë": "e", "â": "a", "î": "i", "ï": "i", "ô": "o", "û": "u", "ÿ": "y",
    "ç": "c", "œ": "oe", "Œ": "OE", "Ê": "E", "Ë": "E", "È": "E", "Â": "A", "À": "A",
    "Î": "I", "Ï": "I", "Ô": "O", "Û": "U", "Ù": "U",
    "’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "‑": "-", "…": "...", "•": "-", "·": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ",
    "☎": "Tel", "✆": "Tel", "°": "o",
}  # fmt: skip
"""Deliberate replacements for French text and typography (see the module docstring)."""


def is_gsm7(text: str) -> bool:
    """Whether every character has a GSM-7 code (basic or extension)."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def encoding_of(text: str) -> Encoding:
    return "gsm7" if is_gsm7(text) else "ucs2"


def _transliterate_char(char: str) -> str:
    if char in GSM7_BASIC or char in GSM7_EXTENSION:
        return char
    # Only French typography is replaced on purpose: in Portuguese, Vietnamese or Spanish a
    # letter's diacritic carries the meaning ("Só", "tiếng Pháp"), so those texts go in UCS-2.
    return TRANSLITERATION.get(char, char)


def to_gsm7(text: str) -> str | None:
    """`text` with the deliberate replacements, or None if it still needs UCS-2."""
    replaced = "".join(_transliterate_char(char) for char in text)
    return replaced if is_gsm7(replaced) else None


def prepare(text: str) -> str:
    """The text as it will be sent: GSM-7 when the replacements allow it, else unchanged."""
    return to_gsm7(text) or text


def _units(char: str, encoding: Encoding) -> int:
    if encoding == "gsm7":
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1  # UTF-16 surrogate pair


def length_units(text: str, encoding: Encoding | None = None) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) that `text` takes."""
    encoding = encoding or encoding_of(text)
    return sum(_units(char, encoding) for char in text)


def split_segments(text: str) -> list[str]:
    """The parts a provider sends `text` as (an escape pair or emoji is never cut)."""
    encoding = encoding_of(text)
    if length_units(text, encoding) <= SINGLE_LIMIT[encoding]:
        return [text] if text else []
    limit = PART_LIMIT[encoding]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        cost = _units(char, encoding)
        if used + cost > limit:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += cost
    if current:
        parts.append("".join(current))
    return parts


def segment_count(text: str) -> int:
    return len(split_segments(text))


@dataclass(frozen=True)
class Page:
    """One message body, at most `max_segments` parts long."""

    text: str
    segments: int
    encoding: Encoding


def _fits(text: str, max_segments: int) -> bool:
    return segment_count(prepare(text)) <= max_segments


def _best_cut(text: str, hint: str, max_segments: int) -> int:
    """Where to end the page: a paragraph, a line, a word boundary, or a hard cut."""

    def fits_at(end: int) -> bool:
        return _fits(text[:end].rstrip() + "\n" + hint, max_segments)

    low, high = 1, len(text)
    while low < high:  # the longest prefix that fits, with the hint
        middle = (low + high + 1) // 2
        if fits_at(middle):
            low = middle
        else:
            high = middle - 1
    longest = low
    for separator in ("\n\n", "\n", " "):
        cut = text.rfind(separator, 0, longest + 1)
        if cut > longest // 2:  # not a tiny page for the sake of a clean cut
            return cut
    return longest


def paginate(text: str, *, more_hint: str, max_segments: int = 3) -> list[Page]:
    """`text` as pages of at most `max_segments` parts; every page but the last ends with
    `more_hint` (e.g. "PLUS pour la suite"). Each page is `prepare`d on its own, so one
    emoji makes only its own page UCS-2.
    """
    text = text.strip()
    pages: list[Page] = []
    while text:
        if _fits(text, max_segments):
            body = prepare(text)
            text = ""
        else:
            cut = _best_cut(text, more_hint, max_segments)
            body = prepare(text[:cut].rstrip() + "\n" + more_hint)
            text = text[cut:].strip()
        pages.append(Page(body, segment_count(body), encoding_of(body)))
    return pages
