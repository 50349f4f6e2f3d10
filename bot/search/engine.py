"""THE search: the services nearest to a person that fit their need, ranked and explained.

`search(need, place=…)` reads the in-memory index (bot/search/index.py) and never comes back
empty-handed: nothing near → the radius widens (5 → 15 → 40 km), then services covering the
whole region, then the 211 line (`SearchResult.fallback`); `SearchResult.widened` says which
step was needed, so the assistant can say it.

Ranking blends, per service: need match (tagged with the need = 1, a related need = partial),
closeness, being open now (when asked) and, when the person's own words are given, the
semantic similarity of those words to the service's texts.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bot.directory.needs import NEED_IDS, need_label
from bot.search.index import SearchIndex, ServiceInfo
from bot.settings import TIMEZONE
from bot.texts import normalize_language, t

TZ = ZoneInfo(TIMEZONE)
RADII_KM: tuple[float, ...] = (5.0, 15.0, 40.0)
"""Widening steps; services without a service area serve anyone within the last one."""
MIN_HITS = 3
"""Fewer services of the need itself than this (or `limit`) at the radius where the first
was found: add those of the next step too, as further options."""
MAX_LIMIT = 50

RELATED: dict[str, tuple[str, ...]] = {
    "food": ("income", "material"),
    "housing": ("shelter", "legal", "income"),
    "shelter": ("housing", "violence", "youth"),
    "mental_health": ("addiction", "health", "gambling"),
    "addiction": ("mental_health", "health", "gambling"),
    "gambling": ("addiction", "mental_health", "income"),
    "violence": ("shelter", "legal", "mental_health"),
    "seniors": ("health", "transportation", "disability"),
    "family": ("youth", "material", "food"),
    "youth": ("family", "education", "employment"),
    "employment": ("education", "immigration", "income"),
    "education": ("employment", "immigration", "youth"),
    "immigration": ("legal", "education", "government"),
    "legal": ("housing", "immigration", "violence"),
    "income": ("government", "legal", "food"),
    "material": ("food", "family"),
    "health": ("mental_health", "disability", "seniors"),
    "disability": ("health", "transportation", "seniors"),
    "transportation": ("seniors", "disability", "health"),
    "government": ("income", "immigration", "legal"),
}
"""Needs whose services often help with another need: partial credit in the ranking."""

W_NEED, W_RELATED, W_DISTANCE, W_OPEN, W_TEXT = 1.0, 0.35, 0.6, 0.4, 0.6
DISTANCE_SCALE_KM = 3.0
"""Closeness = 1 / (1 + d / scale): 1 at the door, 0.5 at 3 km, 0.07 at 40 km."""
TEXT_REASON_MIN = 0.45


MAMH_CODE = re.compile(r"\d{5}")
"""A municipality's MAMH code (the assistant's `municipality` slot) is accepted as a place."""


class PlaceNotFound(ValueError):
    """The place the person gave matches nothing in the gazetteer."""


@dataclass
class ServiceHit:
    service_id: str
    name: str
    organization: str
    description: str
    distance_km: float | None
    open_now: bool | None
    next_opening: datetime | None
    phone: str | None
    address: str | None
    url: str | None
    languages: list[str]
    reasons: list[str]
    fictional: bool
    needs: list[str]
    score: float = 0.0

    @property
    def reason_text(self) -> str:
        """"3,2 km · ouvert maintenant" (the separator is language-neutral)."""
        return " · ".join(self.reasons)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["next_opening"] = self.next_opening.isoformat() if self.next_opening else None
        data["score"] = round(self.score, 4)
        return data


@dataclass
class SearchResult:
    need: str
    language: str
    place: dict[str, Any] | None
    hits: list[ServiceHit] = field(default_factory=list)
    widened: dict[str, Any] | None = None
    """None when found within the first radius; else {"stage": "radius"|"region"|"fallback",
    "radius_km": …, "message": …}."""
    fallback: dict[str, Any] | None = None
    """The 211 line (or the regional 211 outside the territory) with its hours, when nothing
    fits or the place is outside the territory."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "need": self.need, "language": self.language, "place": self.place,
            "hits": [hit.as_dict() for hit in self.hits],
            "widened": self.widened, "fallback": self.fallback,
        }


# --- the process-wide index ----------------------------------------------------------------

_index: SearchIndex | None = None
_index_lock = threading.Lock()


def get_index() -> SearchIndex:
    """The index of `RELAIS_DATABASE_URL`, built on first use (vectors attach on first text)."""
    global _index
    with _index_lock:
        if _index is None:
            _index = _load_index()
        return _index


def refresh_index() -> SearchIndex:
    """Rebuild the process-wide index (after an import)."""
    global _index
    fresh = _load_index()
    with _index_lock:
        _index = fresh
    return fresh


def set_index(index: SearchIndex | None) -> None:
    """Use `index` for the process (tests, benchmarks, the web app's own copy)."""
    global _index
    with _index_lock:
        _index = index


def _load_index() -> SearchIndex:
    from bot.settings import get_settings

    settings = get_settings()
    return load_index(settings.database_url, settings.record_language)


def load_index(database_url: str, record_language: str = "fr") -> SearchIndex:
    """A fresh index of the directory at `database_url` (vectors attach on first text query)."""
    from bot.directory.store import create_engine_from_url
    from bot.search.index import build_index

    engine = create_engine_from_url(database_url)
    try:
        return build_index(engine, record_language, with_vectors=False)
    finally:
        engine.dispose()


def _ensure_vectors(index: SearchIndex) -> None:
    if index.vectors is not None:
        return
    from bot.search.vectors import attach_vectors

    engine = None
    try:
        from bot.directory.store import create_engine_from_url

        engine = create_engine_from_url(index.source_url) if index.source_url else None
        attach_vectors(index, engine)
    finally:
        if engine is not None:
            engine.dispose()


# --- where the person is -------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    lat: float
    lon: float
    code_geo: str | None
    area_keys: frozenset[str]
    served: bool
    description: dict[str, Any] | None


def _where(place: Any, lat: float | None, lon: float | None) -> _Where:
    from bot.places.data import municipalities
    from bot.places.gazetteer import get_gazetteer
    from bot.places.territory import is_served

    resolved = place
    if isinstance(place, str) and MAMH_CODE.fullmatch(place.strip()):
        code = place.strip()
        if code not in municipalities():
            raise PlaceNotFound(place)
        resolved = get_gazetteer().place(code, matched=code, confidence=1.0, kind="municipality")
    elif isinstance(place, str):
        resolved = get_gazetteer().resolve(place)
        if resolved is None:
            raise PlaceNotFound(place)
    if lat is not None and lon is not None:
        if resolved is None:
            resolved = get_gazetteer().reverse(lat, lon)
        point = (float(lat), float(lon))
    elif resolved is not None and resolved.lat is not None and resolved.lon is not None:
        point = (float(resolved.lat), float(resolved.lon))
    elif resolved is not None:
        municipality = municipalities().get(resolved.code_geo)
        if municipality is None or municipality.lat is None:
            raise PlaceNotFound(getattr(resolved, "name", str(place)))
        point = (municipality.lat, municipality.lon)
    else:
        raise ValueError("search needs a place or coordinates")
    code = getattr(resolved, "code_geo", None)
    keys: set[str] = set()
    if code:
        keys.add(f"mamh:{code}")
        municipality = municipalities().get(code)
        if municipality is not None and municipality.mrc_code:
            keys.add(f"mrc:{municipality.mrc_code}".lower())
        if is_served(code):
            keys.add("region:cmm")
    description = resolved.as_dict() if hasattr(resolved, "as_dict") else None
    return _Where(point[0], point[1], code, frozenset(keys), bool(code and is_served(code)),
                  description)


def _allowed_groups(index: SearchIndex, keys: frozenset[str]) -> np.ndarray:
    cache: dict = index.__dict__.setdefault("_allowed_cache", {})
    allowed = cache.get(keys)
    if allowed is None:
        allowed = np.array([not group or bool(group & keys) for group in index.area_groups])
        if len(cache) > 4096:
            cache.clear()
        cache[keys] = allowed
    return allowed


# --- formatting ----------------------------------------------------------------------------


def format_km(km: float, language: str) -> str:
    """3.2 → "3,2" in French, "3.2" in English (one decimal, at least 0.1)."""
    text = f"{max(km, 0.1):.1f}"
    return text.replace(".", ",") if language == "fr" else text


def _radius(km: float) -> str:
    return f"{km:g}"


def format_time(moment: datetime, language: str) -> str:
    if language == "fr":
        return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")
    hour = moment.hour % 12 or 12
    suffix = "a.m." if moment.hour < 12 else "p.m."
    return f"{hour}:{moment.minute:02d} {suffix}" if moment.minute else f"{hour} {suffix}"


def format_when(moment: datetime, now: datetime, language: str) -> str:
    """"demain à 9 h", "Tuesday at 1:30 p.m."…, in Montréal time."""
    local, today = moment.astimezone(TZ), now.astimezone(TZ).date()
    clock = format_time(local, language)
    days = (local.date() - today).days
    if days <= 0:
        return t("search.when.today", language, time=clock)
    if days == 1:
        return t("search.when.tomorrow", language, time=clock)
    if days < 7:
        day = t(f"search.day.{local.weekday()}", language)
        return t("search.when.weekday", language, day=day, time=clock)
    return t("search.when.date", language, date=local.date().isoformat(), time=clock)


# --- scoring -------------------------------------------------------------------------------


@dataclass
class _Candidate:
    service: int
    point: int | None
    distance: float | None
    need_score: float
    text_score: float = 0.0
    score: float = 0.0
    open_now: bool | None = None
    next_opening: datetime | None = None
    region_wide: bool = False


def _text_scores(index: SearchIndex, text: str) -> np.ndarray:
    """Similarity of the person's words to every service (max over its two languages)."""
    from bot.search.embeddings import get_encoder

    _ensure_vectors(index)
    assert index.vectors is not None and index.vector_rows is not None
    query = get_encoder(index.model).encode_one(text)
    per_text = index.vectors @ query
    return per_text[index.vector_rows].max(axis=1)


def _gather(index: SearchIndex, need: str, where: _Where, radius: float,
            allowed: np.ndarray) -> dict[int, _Candidate]:
    """Best point per service, for the need and its related needs, within `radius`."""
    found: dict[int, _Candidate] = {}
    for candidate_need, need_score in ((need, W_NEED),
                                       *((r, W_RELATED) for r in RELATED.get(need, ()))):
        points = index.candidates(candidate_need, where.lat, where.lon, radius)
        if not len(points):
            continue
        distances = index.distances_km(points, where.lat, where.lon)
        services = index.point_service[points]
        keep = (distances <= radius) & allowed[index.service_area_group[services]]
        for point, service, distance in zip(points[keep].tolist(), services[keep].tolist(),
                                            distances[keep].tolist(), strict=True):
            current = found.get(service)
            if current is None or (need_score, -distance) > (current.need_score,
                                                             -(current.distance or 0.0)):
                found[service] = _Candidate(service, point, distance, need_score)
    return found


def _region_wide(index: SearchIndex, need: str, where: _Where) -> dict[int, _Candidate]:
    """Services of the need whose service area names the person's place, at any distance."""
    found: dict[int, _Candidate] = {}
    if not where.area_keys:
        return found
    explicit = np.array([bool(group & where.area_keys) for group in index.area_groups])
    for service in index.unlocated.get(need, np.zeros(0, dtype=np.int32)).tolist():
        if explicit[index.service_area_group[service]] or not index.area_groups[
                index.service_area_group[service]]:
            found[service] = _Candidate(service, None, None, W_NEED, region_wide=True)
    points = np.array([i for key, cell in index.cells.items() if key[0] == need
                       for i in cell.tolist()], dtype=np.int32)
    if len(points):
        services = index.point_service[points]
        keep = explicit[index.service_area_group[services]]
        distances = index.distances_km(points[keep], where.lat, where.lon)
        for point, service, distance in zip(points[keep].tolist(), services[keep].tolist(),
                                            distances.tolist(), strict=True):
            current = found.get(service)
            if current is None or (current.distance or 0) > distance:
                found[service] = _Candidate(service, point, distance, W_NEED, region_wide=True)
    return found


def _score(candidates: list[_Candidate], text_scores: np.ndarray | None) -> None:
    for c in candidates:
        closeness = 0.5 if c.distance is None else 1.0 / (1.0 + c.distance / DISTANCE_SCALE_KM)
        if text_scores is not None:
            c.text_score = float(text_scores[c.service])
        c.score = c.need_score + W_DISTANCE * closeness + W_TEXT * max(c.text_score, 0.0)


def _opening(index: SearchIndex, service: int, now: datetime) -> tuple[bool | None, datetime | None]:
    """(open now, next opening) of a service, remembered while it stays true.

    A service closed at `now` whose next opening is T stays closed with the same next opening
    for any instant in [now, T): that answer is reused until T. An open answer is reused
    within the same minute. Schedules are parsed with rrule: this keeps them off the hot path.
    """
    from bot.directory.schedules import is_open, next_opening

    schedules = index.services[service].schedules
    if not schedules:
        return None, None
    cache: dict = index.__dict__.setdefault("_opening_cache", {})
    minute = int(now.timestamp() // 60)
    cached = cache.get(service)
    if cached is not None:
        since, upcoming, was_open, at_minute = cached
        if was_open and at_minute == minute:
            return True, now
        if not was_open and upcoming is not None and since <= now < upcoming:
            return False, upcoming
    upcoming = next_opening(schedules, now)
    opened = upcoming is not None and upcoming <= now
    if not opened and upcoming is None:
        opened = is_open(schedules, now)
    cache[service] = (now, upcoming, opened, minute)
    return opened, (now if opened else upcoming)


def _schedule(candidates: list[_Candidate], index: SearchIndex, now: datetime,
              open_now: bool) -> None:
    for c in candidates:
        c.open_now, c.next_opening = _opening(index, c.service, now)
        if open_now and c.open_now:
            c.score += W_OPEN


def _reasons(c: _Candidate, service: ServiceInfo, need: str, language: str,
             now: datetime, max_text: float) -> list[str]:
    reasons: list[str] = []
    if c.distance is not None:
        reasons.append(t("search.reason.distance", language, km=format_km(c.distance, language)))
    else:
        reasons.append(t("search.reason.no_location", language))
    if c.open_now:
        reasons.append(t("search.reason.open_now", language))
    elif c.next_opening is not None:
        reasons.append(t("search.reason.opens", language,
                         when=format_when(c.next_opening, now, language)))
    elif not service.schedules:
        reasons.append(t("search.reason.hours_unknown", language))
    if need not in service.needs:
        related = next((n for n in RELATED.get(need, ()) if n in service.needs), None)
        if related:
            reasons.append(t("search.reason.related_need", language,
                             need=need_label(related, language).lower()))
    if c.region_wide:
        reasons.append(t("search.reason.region_wide", language))
    if language == "en" and "en" in service.languages:
        reasons.append(t("search.reason.in_english", language))
    if c.text_score >= TEXT_REASON_MIN and c.text_score >= max_text - 0.05:
        reasons.append(t("search.reason.text_match", language))
    return reasons


def _hit(index: SearchIndex, c: _Candidate, need: str, language: str, now: datetime,
         max_text: float) -> ServiceHit:
    service = index.services[c.service]
    point = index.points[c.point] if c.point is not None else None
    return ServiceHit(
        service_id=service.id,
        name=service.name[language],
        organization=service.organization.get(language, ""),
        description=service.description[language],
        distance_km=None if c.distance is None else round(c.distance, 2),
        open_now=c.open_now,
        next_opening=c.next_opening,
        phone=service.phone,
        address=point.address if point else None,
        url=service.url,
        languages=list(service.languages),
        reasons=_reasons(c, service, need, language, now, max_text),
        fictional=service.fictional,
        needs=sorted(service.needs),
        score=c.score,
    )


def _fallback(where: _Where, language: str) -> dict[str, Any]:
    from bot.places.territory import referral_for

    referral = referral_for(where.code_geo)
    return {
        "name": referral.name, "phone": referral.phone, "url": referral.url,
        "served": referral.served, "message": referral.text(language),
        "hours": t("211.phone_line", language),
    }


def search(
    need: str,
    place: Any = None,
    lat: float | None = None,
    lon: float | None = None,
    language: str = "fr",
    open_now: bool = False,
    limit: int = 5,
    text: str | None = None,
    now: datetime | None = None,
    *,
    index: SearchIndex | None = None,
) -> SearchResult:
    """Ranked services for `need` near `place` (text or `Place`) or (`lat`, `lon`).

    Raises `KeyError` for an unknown need, `PlaceNotFound` for a place the gazetteer does not
    know, `ValueError` without any place or coordinates.
    """
    if need not in NEED_IDS:
        raise KeyError(f"unknown need {need!r}")
    language = normalize_language(language)
    limit = max(1, min(int(limit), MAX_LIMIT))
    now = now or datetime.now(TZ)
    if now.tzinfo is None:
        now = now.replace(tzinfo=TZ)
    index = index or get_index()
    where = _where(place, lat, lon)
    allowed = _allowed_groups(index, where.area_keys)
    text_scores = _text_scores(index, text) if text and text.strip() else None

    widened: dict[str, Any] | None = None
    candidates: dict[int, _Candidate] = {}
    for step, radius in enumerate(RADII_KM):
        candidates = _gather(index, need, where, radius, allowed)
        exact = sum(1 for c in candidates.values() if c.need_score == W_NEED)
        if not exact:
            continue
        if step:
            widened = {"stage": "radius", "radius_km": radius,
                       "message": t("search.widened.radius", language,
                                    previous=_radius(RADII_KM[step - 1]), km=_radius(radius))}
        if exact < min(limit, MIN_HITS) and step + 1 < len(RADII_KM):
            # A few more options from one step further; they rank below the near ones.
            candidates = _gather(index, need, where, RADII_KM[step + 1], allowed)
        break
    if not any(c.need_score == W_NEED for c in candidates.values()):
        region = _region_wide(index, need, where)
        if region:
            candidates.update(region)
            widened = {"stage": "region", "radius_km": None,
                       "message": t("search.widened.region", language,
                                    km=_radius(RADII_KM[-1]))}

    ranked = list(candidates.values())
    _score(ranked, text_scores)
    ranked.sort(key=lambda c: (-c.score, c.distance if c.distance is not None else math.inf))
    # Opening hours only matter to the order when asked; otherwise only the shown hits need them.
    shortlist = ranked[: limit * 3] if open_now else ranked[:limit]
    _schedule(shortlist, index, now, open_now)
    shortlist.sort(key=lambda c: (-c.score, c.distance if c.distance is not None else math.inf))
    chosen = shortlist[:limit]
    max_text = max((c.text_score for c in chosen), default=0.0)
    hits = [_hit(index, c, need, language, now, max_text) for c in chosen]

    fallback = None
    if not any(c.need_score == W_NEED for c in chosen) or not where.served:
        fallback = _fallback(where, language)
        if not any(c.need_score == W_NEED for c in chosen):
            widened = {"stage": "fallback", "radius_km": None,
                       "message": t("search.widened.fallback", language)}
    return SearchResult(need=need, language=language, place=where.description, hits=hits,
                        widened=widened, fallback=fallback)
