"""Bot messages as SMS text: buttons become numbered lines, service cards short text.

Rasa answers one user message with several bot messages (text, buttons, a `custom`
payload). `render_turn` turns them into one text and the options it numbered; the
channel sends the text (cut into pages by `sms_segments`) and stores the options so a
reply "2" or the option's words can be mapped back to its payload (`resolve_choice`).

Service results arrive twice from the actions: as the `service_cards` payload and as one
`utter_service_card` text per card (for channels without cards). When the payload is there
its cards are rendered here, shorter and GSM-7 friendly, and the card texts are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bot.texts import t

from .sms_keywords import fold
from .sms_store import Option

CARD_RESPONSE = "utter_service_card"
CARDS_TYPE = "service_cards"
FUZZY_CUTOFF = 88.0
"""How close (rapidfuzz WRatio) a reply must be to an option's words to count as it."""


@dataclass(frozen=True)
class RenderedTurn:
    text: str
    options: tuple[Option, ...]


def format_km(km: float, language: str) -> str:
    """`1,2` in French, `1.2` in English; whole kilometres past 10."""
    text = f"{km:.1f}" if km < 10 else f"{km:.0f}"
    return text.replace(".", ",") if language == "fr" else text


def render_card(card: Mapping[str, Any], language: str) -> str:
    """One service as 2–5 short lines: name (distance), status, phone, address, marker."""
    name = str(card.get("name") or card.get("organization") or "").strip()
    distance = card.get("distance_km")
    head = name
    if isinstance(distance, (int, float)):
        head += " " + t("sms.card.distance", language, km=format_km(float(distance), language))
    lines = ["- " + head]
    if card.get("status"):
        lines.append(str(card["status"]))
    if card.get("phone"):
        lines.append(t("sms.card.phone", language, phone=card["phone"]))
    if card.get("address"):
        lines.append(str(card["address"]))
    if card.get("fictional"):
        lines.append(t("sms.card.fictional", language))
    return "\n".join(lines)


def _cards_payload(message: Mapping[str, Any]) -> Mapping[str, Any] | None:
    custom = message.get("custom")
    if isinstance(custom, Mapping) and custom.get("type") == CARDS_TYPE:
        return custom
    return None


def render_turn(messages: Iterable[Mapping[str, Any]], language: str) -> RenderedTurn:
    """The bot's messages of one turn as one SMS text and the options it offers.

    Options from every message are numbered in one sequence (1, 2, 3…) so each number on
    the screen means one thing; a payload offered twice keeps its first number.
    """
    messages = list(messages)
    has_cards = any(_cards_payload(m) for m in messages)
    blocks: list[str] = []
    options: list[Option] = []
    for message in messages:
        if has_cards and message.get("utter_action") == CARD_RESPONSE:
            continue
        text = str(message.get("text") or "").strip()
        if text:
            blocks.append(text)
        cards = _cards_payload(message)
        if cards:
            card_language = cards.get("language") or language
            blocks += [render_card(card, card_language) for card in cards.get("cards") or []]
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
