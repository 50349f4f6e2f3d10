"""The conversation's small decisions, kept out of the actions so they stay thin and testable.

Where is the person (entities, shared location, or the text itself), how a service is shown
(a card: text for SMS, fields for the web widget), and which language to answer in. Heavy
modules (gazetteer, search) are imported lazily: the action server must start even while
another area's module is missing, and answer with a polite message instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.settings import TIMEZONE
from bot.texts import LANGUAGES, t

REASK_INTENTS = frozenset({"provide_place", "nlu_fallback", "affirm", "deny"})
"""Intents that, while the place is asked, mean "here is my place" even if it is not found."""


def conversation_language(value: Any) -> str:
    """The language to answer in: the slot when it is French or English, else French."""
    return value if value in LANGUAGES else LANGUAGES[0]


@dataclass(frozen=True)
class Located:
    """A place found in a message, as the slots carry it."""

    municipality: str
    borough: str | None
    place_name: str
    lat: float | None
    lon: float | None

    def slots(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "borough": self.borough,
            "place_name": self.place_name,
            "lat": self.lat,
            "lon": self.lon,
        }


def _place_label(place: Any) -> str:
    borough = getattr(place, "borough", None)
    return f"{borough} ({place.name})" if borough and borough != place.name else place.name


def _from_place(place: Any, lat: float | None = None, lon: float | None = None) -> Located:
    """Keep the most precise point known: shared coordinates, else the place's own point
    (a borough, a postal code or a neighbourhood is closer to the person than the town centre)."""
    if lat is None or lon is None:
        lat, lon = getattr(place, "lat", None), getattr(place, "lon", None)
    return Located(
        municipality=place.code_geo,
        borough=getattr(place, "borough", None),
        place_name=_place_label(place),
        lat=lat,
        lon=lon,
    )


def _coordinates(entities: Iterable[Mapping[str, Any]], metadata: Mapping[str, Any]) -> tuple:
    """(lat, lon) from a `/provide_place{"lat":…,"lon":…}` payload or the message metadata."""
    values = {e.get("entity"): e.get("value") for e in entities}
    location = metadata.get("location") if isinstance(metadata, Mapping) else None
    if isinstance(location, Mapping):
        values.setdefault("lat", location.get("lat"))
        values.setdefault("lon", location.get("lon"))
    try:
        lat, lon = float(values["lat"]), float(values["lon"])
    except (KeyError, TypeError, ValueError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def locate(
    text: str,
    entities: Iterable[Mapping[str, Any]],
    metadata: Mapping[str, Any] | None = None,
    *,
    whole_text: bool = False,
) -> Located | None:
    """The place a message gives, or None.

    Shared coordinates win, then a postal code, then a place entity, then a place named in
    the sentence; with `whole_text` (the person is answering "where?") the whole message is
    tried as a place name too.
    """
    from bot.places.gazetteer import get_gazetteer

    entities = list(entities)
    gazetteer = get_gazetteer()
    lat, lon = _coordinates(entities, metadata or {})
    if lat is not None:
        place = gazetteer.reverse(lat, lon)
        return _from_place(place, lat, lon) if place else None
    for entity_name in ("postal_code", "place"):
        for entity in entities:
            if entity.get("entity") != entity_name:
                continue
            # the words said ("Verdun") are more precise than the value ("Montréal")
            candidates = []
            start, end = entity.get("start"), entity.get("end")
            if isinstance(start, int) and isinstance(end, int):
                candidates.append(text[start:end])
            candidates.append(str(entity.get("value") or ""))
            for candidate in candidates:
                place = gazetteer.resolve(candidate) if candidate else None
                if place:
                    return _from_place(place)
    spans = gazetteer.match(text) if text else []
    if spans:
        return _from_place(spans[0].place)
    if whole_text and text.strip():
        place = gazetteer.resolve(text)
        if place:
            return _from_place(place)
    return None


def message_place(
    intent: str,
    text: str,
    entities: Iterable[Mapping[str, Any]],
    metadata: Mapping[str, Any] | None,
    requested_slot: str | None,
) -> Located | None:
    """The place this message sets (`action_validate_slot_mappings`), or None.

    A crisis never turns into a directory search; while the place is asked (or the intent
    says "here is my place") the whole message is tried as a place name.
    """
    if intent.startswith("crisis_"):
        return None
    asked = requested_slot == "municipality"
    return locate(text, entities, metadata, whole_text=asked or intent == "provide_place")


def slot_validation_needed(
    language_candidate: Any,
    intent: str,
    text: str,
    entities: Iterable[Mapping[str, Any]],
    metadata: Mapping[str, Any] | None,
    requested_slot: str | None,
) -> bool:
    """Whether `action_validate_slot_mappings` can change anything for this message.

    It only sets the place (when the message gives one) and turns a language other than
    French or English back into the conversation's; otherwise it keeps the slots as Rasa
    extracted them, so Rasa may skip the call to the action server (most messages).
    """
    if language_candidate and language_candidate not in LANGUAGES:
        return True
    return message_place(intent, text, entities, metadata, requested_slot) is not None


def format_km(km: float, language: str) -> str:
    """`1,2` in French, `1.2` in English."""
    text = f"{km:.1f}" if km < 10 else f"{km:.0f}"
    return text.replace(".", ",") if language == "fr" else text


def format_time(moment: datetime, language: str) -> str:
    """`9 h 30` in French, `9:30 a.m.` in English."""
    if language == "fr":
        return f"{moment.hour} h {moment.minute:02d}" if moment.minute else f"{moment.hour} h"
    hour = moment.hour % 12 or 12
    suffix = "a.m." if moment.hour < 12 else "p.m."
    return f"{hour}:{moment.minute:02d} {suffix}" if moment.minute else f"{hour} {suffix}"


def format_opening(when: datetime, now: datetime, language: str) -> str:
    """When a service opens next: "today at 9 a.m.", "demain à 9 h", "lundi à 13 h"."""
    zone = ZoneInfo(TIMEZONE)
    local, today = when.astimezone(zone), now.astimezone(zone).date()
    time = format_time(local, language)
    if local.date() == today:
        return t("dialogue.card.today", language, time=time)
    if local.date() == today + timedelta(days=1):
        return t("dialogue.card.tomorrow", language, time=time)
    day = t(f"dialogue.day.{local.weekday()}", language)
    return t("dialogue.card.weekday", language, day=day, time=time)


def _status(hit: Any, now: datetime, language: str) -> str:
    if hit.open_now:
        return t("dialogue.card.open_now", language)
    if hit.next_opening:
        return t(
            "dialogue.card.opens_at", language, when=format_opening(hit.next_opening, now, language)
        )
    return t("dialogue.card.closed", language)


def service_card(hit: Any, index: int, language: str, now: datetime) -> dict[str, Any]:
    """One search hit as a card: the widget's fields plus `text_vars` for the SMS text."""
    distance = (
        t("dialogue.card.distance", language, km=format_km(hit.distance_km, language))
        if hit.distance_km is not None
        else ""
    )
    status = _status(hit, now, language)
    phone = hit.phone or t("dialogue.card.no_phone", language)
    address = hit.address or t("dialogue.card.no_address", language)
    fictional = t("dialogue.card.fictional", language) if hit.fictional else ""
    return {
        "service_id": hit.service_id,
        "name": hit.name,
        "organization": hit.organization,
        "distance_km": hit.distance_km,
        "open_now": bool(hit.open_now),
        "status": status,
        "phone": hit.phone,
        "address": hit.address,
        "url": hit.url,
        "fictional": bool(hit.fictional),
        "fictional_label": fictional.strip(),
        "text_vars": {
            "index": index,
            "name": hit.name,
            "distance": distance,
            "status": status,
            "phone": phone,
            "address": address,
            "fictional": fictional,
        },
    }


def page_of(hits: list[Any], page: int, per_page: int = 3) -> list[Any]:
    """The hits shown on `page` (1-based)."""
    start = (max(page, 1) - 1) * per_page
    return hits[start : start + per_page]


def requested_page(entities: Iterable[Mapping[str, Any]]) -> int:
    """The page asked by an "other options" button (`/need_food{"page": 2}`), else 1."""
    for entity in entities:
        if entity.get("entity") == "page":
            try:
                return max(int(float(entity.get("value"))), 1)
            except (TypeError, ValueError):
                return 1
    return 1


MORE_RESULTS_INTENT = "more_results"


def last_results_page(events: Iterable[Mapping[str, Any]], need: str | None) -> int:
    """The page of results for `need` the person saw last (0: none since their last need)."""
    for event in reversed(list(events)):
        if event.get("event") != "bot":
            continue
        custom = (event.get("data") or {}).get("custom") or {}
        if custom.get("type") == "service_cards":
            if custom.get("need") != need:
                return 0
            try:
                return max(int(custom.get("page") or 1), 1)
            except (TypeError, ValueError):
                return 1
    return 0


def page_to_show(
    intent: str,
    entities: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    need: str | None,
) -> int:
    """The "other options" button names its page; typed ("autres options", "any others?")
    it means the page after the one shown last."""
    entities = list(entities)
    if intent == MORE_RESULTS_INTENT and not any(e.get("entity") == "page" for e in entities):
        return last_results_page(events, need) + 1
    return requested_page(entities)


def fallback_text(fallback: Any, language: str) -> str:
    """The search's "nothing fits" fallback as a sentence (the 211 line by default)."""
    if isinstance(fallback, str) and fallback:
        return fallback
    if isinstance(fallback, Mapping) and fallback.get(language):
        return str(fallback[language])
    text = getattr(fallback, "text", None)
    if callable(text):
        return str(text(language))
    return t("211.phone_line", language)
