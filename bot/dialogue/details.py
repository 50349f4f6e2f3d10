"""Answers to questions about the services shown ("c'est tu gratuit?", "do they speak spanish?").

The NLU says what is asked (entity `detail`), about which card (entity `card`, its number as
shown, `last`, `nearest` or `which`) and, for hours, of which day (entity `day_asked`: "lequel
est ouvert demain?" is answered by the cards open tomorrow; bot/nlu/details.py). This module
finds the cards the person saw in the conversation's events and writes the answer from each
service's HSDS record (hours, fees, languages, address, how to apply, who it is for, waiting
time, online or in person, contact). A fact the directory does not hold is said to be unknown,
with the service's phone to confirm, and a question it cannot read ("do they take dogs?") is
said to be beyond it, with each phone: nothing is made up, no hours and fees in place of an
answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from babel import Locale

from bot.dialogue.cards import NEAREST_CARD, words_of
from bot.dialogue.results import card_name
from bot.directory.schedules import (
    Schedule,
    day_abbreviation,
    describe_hours,
    describe_span,
    is_holiday,
    is_open,
    next_opening,
    openings_between,
)
from bot.nlu.lexicons import load_lexicon, word_set
from bot.texts import formats, t

DETAILS_INTENT = "ask_service_details"
DETAIL_ENTITY = "detail"
"""What is asked, one entity per detail (set by bot/nlu/details.py)."""
CARD_ENTITY = "card"
"""Which card: its number as shown, `LAST_CARD`, `NEAREST_CARD` or `WHICH_CARD`."""
NEED_ENTITIES = ("need", "needs")
"""The needs the question names (bot/nlu/needs.py): "plus proche pour les couches?" is about
that need's cards when two needs were shown."""
LANGUAGE_ENTITY = "language_asked"
"""A language named in the question ("ils parlent espagnol?" → `es`), to say when it is not
listed."""
DAY_ENTITY = "day_asked"
"""The day a question about hours is about ("lequel est ouvert demain?" → `tomorrow`): one of
`DAYS_ASKED`, set by bot/nlu/details.py when the question names one day."""
NOW, TODAY, TONIGHT, TOMORROW, WEEKEND = "now", "today", "tonight", "tomorrow", "weekend"
WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
"""In `date.weekday()` order."""
WEEKEND_DAYS: tuple[str, ...] = WEEKDAYS[5:]
DAYS_ASKED: tuple[str, ...] = (NOW, TODAY, TONIGHT, TOMORROW, WEEKEND, *WEEKDAYS)
EVENING = time(18, 0)
"""When "ce soir" starts: a food bank closing at 17 h is no help to someone asking for
tonight."""
OVERVIEW = "overview"
"""Not a detail: "tell me more", "c'est quoi ces places-là?", a card named alone ("et le 2e?")
ask for the main facts."""
CONFIDENTIAL = "confidential"
"""About 211 and this conversation, not the services: answered once, after any cards."""
PRIVACY_NOTICES = {"twilio_sms": "privacy.notice.sms", "socketio": "widget.ui.privacy_notice"}
"""The privacy notice each channel shows (what is kept, how to erase it); others: the page's."""

DETAILS: tuple[str, ...] = (
    "hours",
    "fees",
    "languages",
    "address",
    "process",
    "eligibility",
    "contact",
    "wait",
    "online",
    CONFIDENTIAL,
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
    overview: bool = False
    """The main facts are asked for ("tell me more", "et le 2e?")."""
    needs: tuple[str, ...] = ()
    """The needs named ("plus proche pour les couches?": `family`)."""
    day: str | None = None
    """The day asked about, one of `DAYS_ASKED` ("lequel est ouvert demain?": `tomorrow`)."""

    @classmethod
    def from_entities(cls, entities: Iterable[Mapping[str, Any]]) -> Question:
        values: dict[str, list[str]] = {}
        for entity in entities:
            value = str(entity.get("value") or "")
            kind = str(entity.get("entity") or "")
            if value and value not in values.setdefault(kind, []):
                values[kind].append(value)
        cards = values.get(CARD_ENTITY)
        needs = [n for kind in NEED_ENTITIES for n in values.get(kind) or []]
        days = [d for d in values.get(DAY_ENTITY) or [] if d in DAYS_ASKED]
        return cls(
            tuple(d for d in values.get(DETAIL_ENTITY) or [] if d in DETAILS),
            cards[0] if cards else None,
            tuple(values.get(LANGUAGE_ENTITY) or []),
            overview=OVERVIEW in (values.get(DETAIL_ENTITY) or []),
            needs=tuple(dict.fromkeys(needs)),
            day=days[0] if days else None,
        )

    @property
    def card_details(self) -> tuple[str, ...]:
        """The details each card answers (confidentiality is 211's, said once)."""
        return tuple(d for d in self.details if d != CONFIDENTIAL)

    @property
    def only_about_211(self) -> bool:
        """Nothing asked of the cards: "c'est tu confidentiel?"."""
        return bool(self.details) and not self.card_details

    @property
    def asks_open_on_a_day(self) -> bool:
        """Which of the cards are open on a day ("lequel est ouvert demain?", "are they open
        now?"), or whether the one named is ("c'est ouvert le samedi, le premier?"): answered
        by the cards open then, with their hours that day. A card named used to get its weekly
        hours, leaving the person to find the day in them."""
        return self.day is not None and "hours" in self.details


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


def _age(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def _eligibility(service: Mapping[str, Any], language: str) -> str:
    """Who it is for, with the ages the record gives ("c'est pour les adultes?")."""
    low, high = service.get("minimum_age"), service.get("maximum_age")
    ages = ""
    if low is not None and high is not None:
        ages = t("dialogue.details.ages_between", language, low=_age(low), high=_age(high))
    elif low is not None:
        ages = t("dialogue.details.ages_from", language, low=_age(low))
    elif high is not None:
        ages = t("dialogue.details.ages_to", language, high=_age(high))
    return " ".join(p for p in (_text(service.get("eligibility_description")), ages) if p)


def _online(service: Mapping[str, Any], card: Mapping[str, Any], language: str) -> str:
    """Online, in person, or both, from the places' `location_type` (a virtual place's url is
    where to go online; the service's own url is given as its website); "" when the record
    says neither."""
    places = _locations(service)
    kinds = {str(place.get("location_type") or "") for place in places}
    url = next(
        (
            _text(p.get("url"))
            for p in places
            if p.get("location_type") == "virtual" and p.get("url")
        ),
        "",
    )
    parts = []
    if "virtual" in kinds:
        parts.append(
            t("dialogue.details.online_at", language, url=url)
            if url
            else t("dialogue.details.online_yes", language)
        )
    if "physical" in kinds:
        address = _text(card.get("address"))
        parts.append(
            t("dialogue.details.in_person_at", language, address=address)
            if address
            else t("dialogue.details.in_person", language)
        )
        if "virtual" not in kinds:
            parts.append(t("dialogue.details.online_not_listed", language))
    website = _text(service.get("url"))
    if website and website != url:
        parts.append(t("dialogue.details.website", language, url=website))
    return " ".join(parts)


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
        return _eligibility(service, language)
    if detail == "contact":
        return _contact(service, card)
    if detail == "wait":
        return _text(service.get("wait_time"))
    if detail == "online":
        return _online(service, card, language)
    raise ValueError(f"unknown detail {detail!r}")


def card_facts(
    card: Mapping[str, Any],
    service: Mapping[str, Any] | None,
    details: tuple[str, ...],
    language: str,
    now: datetime,
) -> tuple[str, ...]:
    """Each detail asked of one card, in words ("" when the directory does not say): worked
    out once per card and read by every part of the answer."""
    return tuple(fact(d, service, card, language, now) if service else "" for d in details)


def card_answer(
    card: Mapping[str, Any],
    service: Mapping[str, Any] | None,
    details: tuple[str, ...],
    language: str,
    now: datetime,
    *,
    facts: tuple[str, ...] | None = None,
) -> str:
    """One card's answer: its number and name, then one line per detail asked. What the
    directory does not hold is said so, with the phone to confirm (211 without one); a card
    the directory says nothing of gets one line, not a "not listed" per detail."""
    title = _title(card, language)
    if facts is None:
        facts = card_facts(card, service, details, language, now)
    said = list(zip(details, facts, strict=True))
    phone = card.get("phone")
    confirm = (
        t("dialogue.details.confirm", language, phone=phone)
        if phone
        else t("dialogue.details.confirm_211", language)
    )
    if not any(facts):
        return "\n".join([title, t("dialogue.details.none_known", language), confirm])
    lines = [title]
    for detail, value in said:
        lines.append(
            t(
                "dialogue.details.line",
                language,
                label=t(f"dialogue.details.{detail}", language),
                value=value or t("dialogue.details.unknown", language),
            )
        )
    if not all(facts):
        lines.append(confirm)
    return "\n".join(lines)


PER_PLACE = frozenset({"address", "online", "contact"})
"""Details said of each card even when alike: where and how to reach each place."""


def same_for_all(
    cards: Sequence[Mapping[str, Any]],
    details: tuple[str, ...],
    facts: Sequence[tuple[str, ...]],
    language: str,
) -> str | None:
    """One answer for several cards when the directory says the same of each ("c'est
    gratuit?" → "Ressources 1, 2, 3 : Frais : Gratuit", not three identical lines); None when
    a card's answer differs or is not known, or the question is about each place."""
    if len(cards) < 2 or set(details) & PER_PLACE:
        return None
    distinct = set(facts)
    if len(distinct) != 1:
        return None
    values = distinct.pop()
    if not all(values):
        return None
    numbers = ", ".join(str(card.get("index") or "") for card in cards)
    lines = [t("dialogue.details.all_cards", language, numbers=numbers)]
    lines += [
        t("dialogue.details.line", language, label=t(f"dialogue.details.{d}", language), value=v)
        for d, v in zip(details, values, strict=True)
    ]
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
            # as the card was shown: "Service in English is listed by: 1. Addiction help, 2.
            # Addiction help…" named the service alone, not its organization (a tester)
            named = ", ".join(_title(c, language) for c in listing)
            lines.append(t("dialogue.details.language_listed_by", language, name=name, cards=named))
    return lines


def _title(card: Mapping[str, Any], language: str) -> str:
    """ "2. Le Garde-Manger de Verdun : Dépannage alimentaire", as the card was shown."""
    return t(
        "dialogue.details.card",
        language,
        index=card.get("index") or "",
        name=card_name(card, language),
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=formats.TZ)


def day_window(day: str, now: datetime) -> tuple[datetime, datetime]:
    """When `day` is, as of `now`, in Montréal time: the instant itself for `now`; the rest of
    today for `today` and for a weekday that is today (what closed this morning is no help
    now); the rest of the evening for `tonight`; the whole day for `tomorrow` and for the next
    such weekday; Saturday and Sunday for `weekend` (what is left of them on a weekend)."""
    local = now.astimezone(formats.TZ)
    today = local.date()
    tomorrow = today + timedelta(days=1)
    if day == NOW:
        return local, local
    if day == TOMORROW:
        return _midnight(tomorrow), _midnight(tomorrow + timedelta(days=1))
    if day == TONIGHT:
        return max(local, datetime.combine(today, EVENING, tzinfo=formats.TZ)), _midnight(tomorrow)
    if day == WEEKEND:
        monday = today + timedelta(days=7 - today.weekday())
        saturday = monday - timedelta(days=2)
        return max(local, _midnight(saturday)), _midnight(monday)
    if day in WEEKDAYS:
        ahead = (WEEKDAYS.index(day) - today.weekday()) % 7
        if ahead:
            asked = today + timedelta(days=ahead)
            return _midnight(asked), _midnight(asked + timedelta(days=1))
    return local, _midnight(tomorrow)


def _day_words(day: str, start: datetime, now: datetime, language: str) -> str:
    """ "demain", "ce soir", "samedi 14 mars" / "tomorrow", "on Saturday, March 14": a weekday
    with its date, so which Saturday is never in doubt; today's weekday is "today"."""
    if day in WEEKDAYS:
        if start.date() != now.astimezone(formats.TZ).date():
            return t(
                "dialogue.details.day.date", language, date=formats.day_and_date(start, language)
            )
        day = TODAY
    return t(f"dialogue.details.day.{day}", language)


def _span_words(opens: datetime, closes: datetime, with_day: bool, language: str) -> str:
    """ "9 h 30 – midi", or "sam. 9 h 30 – midi" for the weekend: which of its days each
    opening is on must be said."""
    hours = describe_span(opens, closes, language)
    if not with_day:
        return hours
    day = day_abbreviation(opens.astimezone(formats.TZ).weekday(), language)
    return t("dialogue.details.day.span_on", language, day=day, hours=hours)


def _next_opening_words(
    schedules: list[Schedule], now: datetime, language: str, *, but: bool = False
) -> str:
    """ "ouvre mardi à 13 h", "ouvert en ce moment": as of `now`, whatever the day asked.
    `but`: right after "not open {day}", where "(ouvert en ce moment)" read as a
    contradiction to a tester: "(mais ouvert en ce moment)"."""
    if is_open(schedules, now):
        return t("dialogue.details.day.but_open_now" if but else "dialogue.details.day.open_now",
                 language)  # fmt: skip
    upcoming = next_opening(schedules, now)
    if upcoming is None:
        return t("dialogue.details.day.no_opening", language)
    return t("dialogue.details.day.opens", language, when=formats.when(upcoming, now, language))


def day_answer(
    day: str,
    cards: Sequence[Mapping[str, Any]],
    services: Mapping[str, Mapping[str, Any]],
    language: str,
    now: datetime,
) -> str:
    """Which cards are open on the day asked, with their hours that day, then one line for
    those that are not, with when each opens next; when none is, that said plainly with each
    one's next opening. "Lequel est ouvert demain?" was answered with every card's weekly
    hours, leaving the person to work it out. Holidays and closures count (the directory's
    schedules); a card without hours is neither open nor closed: its phone is given."""
    start, end = day_window(day, now)
    words = _day_words(day, start, now, language)
    with_day = day == WEEKEND
    opened: list[str] = []
    closed: list[tuple[str, list[Schedule]]] = []
    unknown: list[Mapping[str, Any]] = []
    for card in cards:
        service = services.get(str(card.get("service_id")))
        schedules = service_schedules(service) if service else []
        if not schedules:
            unknown.append(card)
            continue
        spans = openings_between(schedules, start, end)
        if spans:
            # a shelter's night (19 h – 8 h) is that day's from its evening, not also from
            # the night before's morning hours, unless only those fall in the time asked
            own = [(o, c) for o, c in spans if o.date() >= start.date()] or spans
            hours = t("schedule.days.separator", language).join(
                _span_words(opens, closes, with_day, language) for opens, closes in own
            )
            opened.append(
                t("dialogue.details.line", language, label=_title(card, language), value=hours)
            )
        else:
            closed.append((_title(card, language), schedules))
    lines: list[str] = []
    if opened:
        lines += [t("dialogue.details.day.open", language, day=words), *opened]
    if closed and (opened or unknown):
        items = t("dialogue.details.day.separator", language).join(
            t(
                "dialogue.details.day.item",
                language,
                card=title,
                status=_next_opening_words(schedules, now, language, but=True),
            )
            for title, schedules in closed
        )
        lines.append(t("dialogue.details.day.not_open", language, day=words, cards=items))
    elif closed:
        key = (
            "dialogue.details.day.none_open"
            if len(closed) > 1
            else "dialogue.details.day.one_closed"
        )
        lines.append(t(key, language, day=words))
        lines += [
            t(
                "dialogue.details.line",
                language,
                label=title,
                value=_next_opening_words(schedules, now, language),
            )
            for title, schedules in closed
        ]
    if unknown:
        lines.append(t("dialogue.details.day.hours_unknown", language))
        lines += [
            t(
                "dialogue.details.phone_of",
                language,
                card=_title(card, language),
                phone=card["phone"],
            )
            if card.get("phone")
            else t("dialogue.details.no_phone_of", language, card=_title(card, language))
            for card in unknown
        ]
    if is_holiday(start.date()):
        lines.append(
            t("dialogue.details.day.holiday", language, date=formats.day_and_date(start, language))
        )
    return "\n".join(lines)


def answer_details(question: Question, cards: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The details to give each card: those asked; else a summary when the main facts are
    asked for (shorter when about every card; with where it is and how far when the question
    is which one is nearest); else none: the question is about something the directory cannot
    read ("do they take dogs?"), and hours and fees would pretend to answer it."""
    if question.details:
        return question.card_details
    if question.card == NEAREST_CARD:
        return ("address", *SUMMARY)
    if question.overview:
        return SUMMARY if len(cards) == 1 else SUMMARY_EACH
    return ()


TOPIC_STEM = 5
"""Letters a question's word and a service's word share to name one topic ("impôts" and
"impôt", "clothes" and "clothing")."""


@lru_cache(maxsize=1)
def question_words() -> frozenset[str]:
    """Words of a question that name no topic ("est-ce qu'ils font les impôts aussi?": only
    "impôts" does): the details lexicon's `question_words`."""
    return word_set(load_lexicon("details").get("question_words"))


def described(
    text: str,
    cards: Sequence[Mapping[str, Any]],
    services: Mapping[str, Mapping[str, Any]],
    language: str,
) -> str:
    """What the directory says of the topic a question names, for each card whose service
    names it ("do they help with taxes too?" under "Budget, debt and taxes" was answered "our
    directory doesn't say"); "" when no card's service names it."""
    asked = {word[:TOPIC_STEM] for word in words_of(text) - question_words()}
    if not asked:
        return ""
    lines = []
    for card in cards:
        service = services.get(str(card.get("service_id"))) or {}
        said = f"{service.get('name') or ''} {service.get('description') or ''}"
        if asked & {word[:TOPIC_STEM] for word in words_of(said)}:
            lines.append(
                t(
                    "dialogue.details.described",
                    language,
                    card=_title(card, language),
                    description=service.get("description") or service.get("name"),
                )
            )
    if not lines:
        return ""
    return "\n".join([t("dialogue.details.described_intro", language), *lines])


def ask_them(cards: Sequence[Mapping[str, Any]], language: str, again: bool = False) -> str:
    """What the directory does not say, said so once, with each card's phone to ask (211
    for a card without one). `again`: a new search found the very cards above, so they are
    named as those, not listed a second time."""
    if not any(card.get("phone") for card in cards):
        return "\n".join(
            [
                t(
                    "dialogue.details.same_cards" if again else "dialogue.details.not_in_directory",
                    language,
                ),
                t("dialogue.details.confirm_211", language),
            ]
        )
    lines = [
        t(
            "dialogue.details.same_cards_ask" if again else "dialogue.details.not_in_directory_ask",
            language,
        )
    ]
    for card in cards:
        name = _title(card, language)
        phone = card.get("phone")
        lines.append(
            t("dialogue.details.phone_of", language, card=name, phone=phone)
            if phone
            else t("dialogue.details.no_phone_of", language, card=name)
        )
    return "\n".join(lines)


def confidential_answer(language: str, channel: str | None = None) -> str:
    """211 and this conversation are confidential, with the privacy notice the channel shows
    (what is kept, how long, how to erase it: one text for those facts, privacy.yml's)."""
    notice = PRIVACY_NOTICES.get(channel or "", "privacy.page.intro")
    return "\n".join([t("dialogue.details.confidential", language), t(notice, language)])


def reply(
    question: Question,
    cards: Sequence[Mapping[str, Any]],
    services: Mapping[str, Mapping[str, Any]],
    language: str,
    now: datetime,
    *,
    among: int = 1,
    channel: str | None = None,
    words: str = "",
) -> str:
    """The whole answer about `cards` (`among`: how many the nearest was picked from;
    `words`: the question as written)."""
    details = answer_details(question, cards)
    parts: list[str] = []
    if question.asks_open_on_a_day and question.day:
        # which are open that day first; the other details asked, per card, after
        parts.append(day_answer(question.day, cards, services, language, now))
        details = tuple(d for d in details if d != "hours")
    if details:
        answers = [(card, services.get(str(card.get("service_id")))) for card in cards]
        facts = [card_facts(card, service, details, language, now) for card, service in answers]
        shared = same_for_all(cards, details, facts, language)
        if shared:
            parts.append(shared)
        elif any(any(values) for values in facts) or len(cards) == 1:
            parts += [
                card_answer(card, service, details, language, now, facts=values)
                for (card, service), values in zip(answers, facts, strict=True)
            ]
        else:
            parts.append(ask_them(cards, language))
        if "languages" in details:
            parts += languages_answer(cards, services, question.languages, language)
        if question.card == NEAREST_CARD and among > len(cards):
            parts.append(
                t("dialogue.details.nearest_of_shown", language)
                if len(cards) == 1
                else t("dialogue.details.nearest_of_each_need", language)
            )
    elif not question.only_about_211 and not parts:
        parts.append(described(words, cards, services, language) or ask_them(cards, language))
    if CONFIDENTIAL in question.details:
        parts.append(confidential_answer(language, channel))
    return "\n\n".join(parts)
