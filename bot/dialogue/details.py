"""Answers to questions about the services shown ("c'est tu gratuit?", "do they speak spanish?").

The NLU says what is asked (entity `detail`) and about which card (entity `card`, its number as
shown or `last`; bot/nlu/details.py). This module finds the cards the person saw last in the
conversation's events and writes the answer from each service's HSDS record (hours, fees,
languages, address, how to apply, who it is for, contact). A fact the directory does not hold
is said to be unknown, with the service's phone to confirm: nothing is made up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel import Locale

from bot.dialogue.results import is_results
from bot.directory.schedules import Schedule, describe_hours, is_open, next_opening
from bot.texts import formats, t

DETAILS_INTENT = "ask_service_details"
DETAIL_ENTITY = "detail"
"""What is asked, one entity per detail (set by bot/nlu/details.py)."""
CARD_ENTITY = "card"
"""Which card: its number as shown, or `LAST_CARD`."""
LANGUAGE_ENTITY = "language_asked"
"""A language named in the question ("ils parlent espagnol?" → `es`), to say when it is not
listed."""
LAST_CARD = "last"
NEAREST_CARD = "nearest"
"""The card nearest the place given: the least `distance_km` (the first shown when none has one)."""

DETAILS: tuple[str, ...] = (
    "hours",
    "fees",
    "languages",
    "address",
    "process",
    "eligibility",
    "contact",
)
SUMMARY: tuple[str, ...] = ("hours", "fees", "languages", "process")
"""What "tell me more about the 2nd one" answers: no detail named, one card."""
SUMMARY_EACH: tuple[str, ...] = ("hours", "fees")
"""What a vague question about every card answers ("c'est quoi ces places-là?"): short, as
six cards of four details each was a wall of text on a phone."""


@dataclass(frozen=True)
class Question:
    """What the person asked: the details (in the order asked) and the card, if one is named."""

    details: tuple[str, ...]
    card: str | None
    languages: tuple[str, ...] = ()
    """The languages named ("do they speak spanish?": `es`), as codes."""

    @classmethod
    def from_entities(cls, entities: Iterable[Mapping[str, Any]]) -> Question:
        details: list[str] = []
        card = None
        languages: list[str] = []
        for entity in entities:
            value = str(entity.get("value") or "")
            if entity.get("entity") == DETAIL_ENTITY and value in DETAILS and value not in details:
                details.append(value)
            elif entity.get("entity") == CARD_ENTITY and card is None and value:
                card = value
            elif entity.get("entity") == LANGUAGE_ENTITY and value and value not in languages:
                languages.append(value)
        return cls(tuple(details), card, tuple(languages))


def latest_cards(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The cards of the latest answer that showed results (every need's page of that answer)."""
    cards: list[dict[str, Any]] = []
    for event in reversed(list(events)):
        if event.get("event") == "user" and cards:
            break
        if event.get("event") != "bot":
            continue
        custom = (event.get("data") or {}).get("custom")
        if is_results(custom):
            cards = [dict(card) for card in custom.get("cards") or []] + cards
    return cards


def chosen_cards(cards: list[dict[str, Any]], card: str | None) -> list[dict[str, Any]] | None:
    """The cards the question is about: the one named, else all; None when the number named
    is not among them. A number is the card's number as shown ("4" on the second page), else
    its rank on the screen ("le premier" is the first shown)."""
    if card is None:
        return cards
    if card == LAST_CARD:
        return cards[-1:]
    if card == NEAREST_CARD:
        far = float("inf")
        return sorted(
            cards, key=lambda c: far if c.get("distance_km") is None else c["distance_km"]
        )[:1]
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


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def _locations(service: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        sal.get("location") or {}
        for sal in service.get("service_at_locations") or []
        if sal.get("location")
    ]


def service_schedules(service: Mapping[str, Any]) -> list[Schedule]:
    """The service's own hours, else those of its places (HSDS allows both)."""
    if service.get("schedules"):
        return list(service["schedules"])
    found: list[Schedule] = []
    for sal in service.get("service_at_locations") or []:
        found += sal.get("schedules") or []
        found += (sal.get("location") or {}).get("schedules") or []
    return found


def language_name(code: str, language: str, fallback: str = "") -> str:
    """ "es" → "espagnol" / "Spanish" (CLDR names, through Babel)."""
    name = Locale(language).languages.get(_base_code(code))
    return name or fallback or code


def _language_rows(service: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    rows = list(service.get("languages") or [])
    for place in _locations(service):
        rows += place.get("languages") or []
    return rows


def _base_code(code: str) -> str:
    return code.split("-")[0].lower()


def languages_not_listed(service: Mapping[str, Any], asked: Iterable[str]) -> list[str]:
    """The languages asked about ("do they speak spanish?") that the service does not list."""
    listed = {_base_code(str(row.get("code") or "")) for row in _language_rows(service)}
    return [code for code in asked if _base_code(code) not in listed]


def _languages(service: Mapping[str, Any], language: str) -> str:
    names: list[str] = []
    for row in _language_rows(service):
        name = language_name(str(row.get("code") or ""), language, str(row.get("name") or ""))
        if name and name not in names:
            names.append(name)
    return ", ".join(names)


def _fees(service: Mapping[str, Any]) -> str:
    parts = [_text(service.get("fees_description"))]
    for option in service.get("cost_options") or []:
        parts.append(_text(option.get("option") or option.get("amount_description")))
    return " ".join(p for p in parts if p)


def _address(service: Mapping[str, Any], card: Mapping[str, Any]) -> str:
    """The street address with its distance as the card said it ("à 0,8 km"): "le plus
    proche c'est lequel?" is answered by where it is and how far."""
    distance = _text((card.get("text") or {}).get("distance"))
    address = _text(card.get("address"))
    parts = [f"{address} ({distance})" if address and distance else address]
    for place in _locations(service):
        parts.append(_text(place.get("transportation")))
        parts += [_text(a.get("description")) for a in place.get("accessibility") or []]
    return " ".join(p for p in parts if p)


def _process(service: Mapping[str, Any]) -> str:
    parts = [_text(service.get("application_process"))]
    documents = [_text(d.get("document")) for d in service.get("required_documents") or []]
    if any(documents):
        parts.append(", ".join(d for d in documents if d))
    parts.append(_text(service.get("wait_time")))
    return " ".join(p for p in parts if p)


def _contact(service: Mapping[str, Any], card: Mapping[str, Any]) -> str:
    parts = []
    if card.get("phone"):
        parts.append(f"☎ {card['phone']}")
    for key in ("url", "email"):
        value = _text(service.get(key) or (service.get("organization") or {}).get(key))
        if value:
            parts.append(value)
    return " · ".join(parts)


def _hours(service: Mapping[str, Any], language: str, now: datetime) -> str:
    """The regular hours, and whether it is open now or when it opens (as of `now`, not as of
    the card: the question may come hours later)."""
    schedules = service_schedules(service)
    if not schedules:
        return ""
    open_now = is_open(schedules, now)
    status = formats.opening(
        open_now, None if open_now else next_opening(schedules, now), now, language
    )
    return t(
        "dialogue.details.hours_and_status",
        language,
        hours=describe_hours(schedules, language),
        status=status,
    )


def fact(
    detail: str,
    service: Mapping[str, Any],
    card: Mapping[str, Any],
    language: str,
    now: datetime,
) -> str:
    """One detail of a service in words, "" when the directory does not say."""
    if detail == "hours":
        return _hours(service, language, now)
    if detail == "fees":
        return _fees(service)
    if detail == "languages":
        return _languages(service, language)
    if detail == "address":
        return _address(service, card)
    if detail == "process":
        return _process(service)
    if detail == "eligibility":
        return _text(service.get("eligibility_description"))
    if detail == "contact":
        return _contact(service, card)
    raise ValueError(f"unknown detail {detail!r}")


def card_answer(
    card: Mapping[str, Any],
    service: Mapping[str, Any] | None,
    details: tuple[str, ...],
    language: str,
    now: datetime,
) -> str:
    """One card's answer: its number and name, then one line per detail asked. What the
    directory does not hold is said so, with the phone to confirm (211 without one); a card
    the directory says nothing of gets one line, not a "not listed" per detail."""
    title = t(
        "dialogue.details.card",
        language,
        index=card.get("index") or "",
        name=card.get("name") or "",
    )
    facts = [(d, fact(d, service, card, language, now) if service else "") for d in details]
    phone = card.get("phone")
    confirm = (
        t("dialogue.details.confirm", language, phone=phone)
        if phone
        else t("dialogue.details.confirm_211", language)
    )
    if not any(value for _, value in facts):
        return "\n".join([title, t("dialogue.details.none_known", language), confirm])
    lines = [title]
    for detail, value in facts:
        lines.append(
            t(
                "dialogue.details.line",
                language,
                label=t(f"dialogue.details.{detail}", language),
                value=value or t("dialogue.details.unknown", language),
            )
        )
    if not all(value for _, value in facts):
        lines.append(confirm)
    return "\n".join(lines)


def languages_answer(
    cards: Sequence[Mapping[str, Any]],
    services: Mapping[str, Mapping[str, Any]],
    asked: tuple[str, ...],
    language: str,
) -> list[str]:
    """What the cards' languages say about each language asked ("do they speak arabic?"),
    once after the cards rather than on each: which cards list it, or that none does, with
    211's interpreters. A language every card lists needs no line: each card's languages say
    it."""
    known = [
        (card, services[str(card.get("service_id"))])
        for card in cards
        if str(card.get("service_id")) in services
    ]
    lines = []
    for code in asked:
        listing = [card for card, service in known if not languages_not_listed(service, (code,))]
        if len(listing) == len(known):
            continue
        name = language_name(code, language)
        if len(known) == 1:
            lines.append(t("dialogue.details.language_not_listed", language, name=name))
        elif not listing:
            lines.append(t("dialogue.details.language_none_listed", language, name=name))
        else:
            named = ", ".join(
                t(
                    "dialogue.details.card",
                    language,
                    index=c.get("index") or "",
                    name=c.get("name") or "",
                )
                for c in listing
            )
            lines.append(t("dialogue.details.language_listed_by", language, name=name, cards=named))
    return lines


def answer_details(question: Question, cards: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The details to give: those asked, else a summary (shorter when about every card; with
    where it is and how far when the question is which one is nearest)."""
    if question.details:
        return question.details
    if question.card == NEAREST_CARD:
        return ("address", *SUMMARY)
    return SUMMARY if len(cards) == 1 else SUMMARY_EACH
