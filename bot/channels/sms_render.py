"""Bot messages as SMS text: buttons become numbered lines, service cards short text.

Rasa answers one user message with several bot messages (text, buttons, a `custom`
payload). `render_turn` turns them into one text and the options it numbered; the
channel sends the text (cut into pages by `sms_segments`) and stores the options so a
reply "2" or the option's words can be mapped back to its payload (`resolve_choice`).

Service results arrive as one payload (`bot.dialogue.results`); its cards are rendered here,
shorter than on the web and GSM-7 friendly, with the words the one formatter already wrote
(distance, opening) in the conversation's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bot.dialogue import results
from bot.texts import formats, t

from .sms_keywords import fold
from .sms_store import Option

FUZZY_CUTOFF = 88.0
"""How close (rapidfuzz WRatio) a reply must be to an option's words to count as it."""


@dataclass(frozen=True)
class RenderedTurn:
    text: str
    options: tuple[Option, ...]


def render_card(card: Mapping[str, Any], language: str) -> str:
    """One service as 2–5 short lines: name (distance), status, phone, address, marker."""
    name = results.card_name(card, language)
    distance = card.get("distance_km")
    head = name
    if isinstance(distance, (int, float)):
        head += " " + t("sms.card.distance", language, km=formats.km(float(distance), language))
    lines = ["- " + head]
    words: Mapping[str, Any] = card["text"] if isinstance(card.get("text"), Mapping) else {}
    if words.get("status"):
        lines.append(str(words["status"]))
    if card.get("phone"):
        lines.append(t("sms.card.phone", language, phone=card["phone"]))
    if card.get("address"):
        lines.append(str(card["address"]))
    if card.get("fictional"):
        lines.append(t("sms.card.fictional", language))
    return "\n".join(lines)


def render_turn(messages: Iterable[Mapping[str, Any]], language: str) -> RenderedTurn:
    """The bot's messages of one turn as one SMS text and the options it offers.

    Options from every message are numbered in one sequence (1, 2, 3…) so each number on
    the screen means one thing; a payload offered twice keeps its first number.
    """
    blocks: list[str] = []
    options: list[Option] = []
    for message in messages:
        custom = message.get("custom")
        text = "" if results.is_results(custom) else str(message.get("text") or "").strip()
        if text:
            blocks.append(text)
        if results.is_results(custom):
            card_language = custom.get("language") or language
            if custom.get("widened"):
                blocks.append(str(custom["widened"]))
            blocks += [render_card(card, card_language) for card in custom.get("cards") or []]
        lines = []
        for button in [*(message.get("buttons") or []), *(message.get("quick_replies") or [])]:
            title, payload = str(button.get("title") or ""), str(button.get("payload") or "")
            if not title or not payload or any(o.payload == payload for o in options):
                continue
            options.append(Option(title=title, payload=payload))
            lines.append(f"{len(options)}. {title}")
        if lines:
            blocks.append("\n".join(lines))
        for key in ("image", "attachment"):
            if isinstance(message.get(key), str) and message[key]:
                blocks.append(message[key])
    return RenderedTurn(text="\n\n".join(blocks), options=tuple(options))


_NUMBER = re.compile(r"^\s*(?:#|no\.?|n°)?\s*(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


def resolve_choice(text: str, options: Iterable[Option]) -> str | None:
    """The payload meant by a reply to numbered options: "2", "2)", "#2", or the option's
    words ("logement", "Logemnt"); None when the reply is something else."""
    options = list(options)
    if not options or not text:
        return None
    number = _NUMBER.match(text)
    if number:
        index = int(number.group(1))
        return options[index - 1].payload if 1 <= index <= len(options) else None
    folded = fold(text)
    titles = [fold(option.title) for option in options]
    if folded in titles:
        return options[titles.index(folded)].payload
    if len(folded) < 4:
        return None
    best = process.extractOne(folded, titles, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return options[best[2]].payload if best else None
