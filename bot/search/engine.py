"""THE search: the services nearest to a person that fit their need, ranked and explained.

`search(need, place=…)` reads the in-memory index (bot/search/index.py) and never comes back
empty-handed: nothing near → the radius widens (5 → 15 → 40 km), then services covering the
whole region, then the 211 line (`SearchResult.fallback`); `SearchResult.widened` says which
step was needed, so the assistant can say it.

Ranking blends, per service: need match (tagged with the need = 1, a related need = partial),
closeness, being open now (when asked) and, when the person's own words are given, the
semantic similarity of those words to the service's texts and whether one of them is in the
service's name (`bot.search.name_words`).

Latency (bench/search.py: p95 ≤ 5 ms at demo size, ≤ 20 ms at 100k services): candidates
stay in numpy arrays (`_Pool`) from the grid to the ranking; only the shown hits become
objects. Words are compared with the candidates only, resolved places and query vectors are
remembered (LRU), and opening hours are worked out once per schedule group, not per service.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np

from bot.directory import generation
from bot.directory.needs import NEED_IDS, need_label
from bot.places.territory import Referral, referral_for
from bot.search import name_words
from bot.search.index import SearchIndex, ServiceInfo
from bot.settings import TIMEZONE
from bot.texts import formats, normalize_language, t

log = logging.getLogger(__name__)

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
W_NAME_WORD = 0.25
"""A word the person wrote in the service's name (`name_words`): about 1.5 km of closeness."""
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
        """ "3,2 km · ouvert maintenant" (the separator is language-neutral)."""
        return " · ".join(self.reasons)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["next_opening"] = self.next_opening.isoformat() if self.next_opening else None
        data["score"] = round(self.score, 4)
        return data


@dataclass(frozen=True)
class Widening:
    """How far the search had to go beyond the first radius, and how to say it."""

    stage: Literal["radius", "region", "fallback"]
    radius_km: float | None = None
    """The radius that found services (stage "radius")."""
    previous_km: float | None = None
    """The radius that found nothing before ("radius", "region")."""

    def text(self, language: str) -> str:
        if self.stage == "radius":
            return t(
                "search.widened.radius",
                language,
                previous=_radius(self.previous_km or 0),
                km=_radius(self.radius_km or 0),
            )
        if self.stage == "region":
            return t("search.widened.region", language, km=_radius(self.previous_km or 0))
        return t("search.widened.fallback", language)

    def as_dict(self, language: str) -> dict[str, Any]:
        return {"stage": self.stage, "radius_km": self.radius_km, "message": self.text(language)}


def fallback_dict(referral: Referral, language: str) -> dict[str, Any]:
    """The 211 fallback as the API and the chat payload carry it."""
    return {
        "key": referral.key,
        "name": referral.name,
        "phone": referral.phone,
        "url": referral.url,
        "served": referral.served,
        "message": referral.text(language),
        "hours": t("211.phone_line", language),
    }


@dataclass
class SearchResult:
    need: str
    language: str
    place: dict[str, Any] | None
    hits: list[ServiceHit] = field(default_factory=list)
    widened: Widening | None = None
    """None when found within the first radius."""
    fallback: Referral | None = None
    """The 211 that can help (the regional 211 outside the territory), when nothing fits or
    the place is outside the territory."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "need": self.need,
            "language": self.language,
            "place": self.place,
            "hits": [hit.as_dict() for hit in self.hits],
            "widened": self.widened.as_dict(self.language) if self.widened else None,
            "fallback": fallback_dict(self.fallback, self.language) if self.fallback else None,
        }


# --- the process-wide index ----------------------------------------------------------------

_index: SearchIndex | None = None
_index_lock = threading.Lock()
_watch = generation.Watch()


def get_index() -> SearchIndex:
    """The index of `RELAIS_DATABASE_URL`, built on first use (vectors attach on first text),
    and rebuilt when an import committed a new directory (generation read every
    `RELAIS_DIRECTORY_CHECK_SECONDS`): the action server serves it without a restart."""
    global _index, _watch
    with _index_lock:
        if _index is None:
            _index = _load_index()
            _watch = generation.Watch()
        elif _index.source_url and _watch.due() and _stale(_index):
            log.info("the directory changed (an import): rebuilding the search index")
            _index = _load_index()
        return _index


def _stale(index: SearchIndex) -> bool:
    """Whether the database holds a newer directory than `index` (False when unreadable)."""
    from bot.directory.store import create_engine_from_url

    engine = None
    try:
        engine = create_engine_from_url(index.source_url)
        with engine.connect() as conn:
            return generation.read(conn) != index.generation
    except Exception:  # the database away for a moment: keep serving what we have
        log.warning("could not read the directory generation", exc_info=True)
        return False
    finally:
        if engine is not None:
            engine.dispose()


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
    """Where the person is; the same place given again is not resolved again."""
    try:
        return _where_cached(place, lat, lon)
    except TypeError:  # unhashable place or coordinates
        return _resolve_where(place, lat, lon)


@lru_cache(maxsize=2048)
def _where_cached(place: Any, lat: float | None, lon: float | None) -> _Where:
    return _resolve_where(place, lat, lon)


def _resolve_where(place: Any, lat: float | None, lon: float | None) -> _Where:
    from bot.places.data import municipalities
    from bot.places.gazetteer import get_gazetteer
    from bot.places.territory import is_served

    resolved = place
    if isinstance(place, str) and MAMH_CODE.fullmatch(place.strip()):
        given = place.strip()
        if given not in municipalities():
            raise PlaceNotFound(place)
        resolved = get_gazetteer().place(given, matched=given, confidence=1.0, kind="municipality")
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
        if municipality is None or municipality.lat is None or municipality.lon is None:
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
    return _Where(
        point[0], point[1], code, frozenset(keys), bool(code and is_served(code)), description
    )


def _area_masks(index: SearchIndex, keys: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per area group: (serves the person: no area or one naming them, names them explicitly)."""
    cache: dict = index.__dict__.setdefault("_area_cache", {})
    masks = cache.get(keys)
    if masks is None:
        explicit = np.array([bool(group & keys) for group in index.area_groups], dtype=bool)
        anyone = np.array([not group for group in index.area_groups], dtype=bool)
        masks = (anyone | explicit, explicit)
        if len(cache) > 4096:
            cache.clear()
        cache[keys] = masks
    return masks


def _allowed_groups(index: SearchIndex, keys: frozenset[str]) -> np.ndarray:
    return _area_masks(index, keys)[0]


# --- formatting: bot.texts.formats (one formatter for every channel) ---------------------


def _radius(km: float) -> str:
    return f"{km:g}"


# --- scoring -------------------------------------------------------------------------------


@dataclass
class _Pool:
    """Candidate services as parallel arrays, in the order they were first met.

    One row per service: its best point (-1 for none), distance (NaN for none), need score
    (`W_NEED` or `W_RELATED`) and whether it came from the region-wide step. The order is
    the last tie-breaker of the ranking, as a dict of candidates filled in that order would be.
    """

    service: np.ndarray
    point: np.ndarray
    distance: np.ndarray
    need_score: np.ndarray
    region_wide: np.ndarray

    @classmethod
    def empty(cls) -> _Pool:
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            np.zeros(0, np.float64),
            np.zeros(0, np.float64),
            np.zeros(0, bool),
        )

    def __len__(self) -> int:
        return len(self.service)

    def exact(self) -> int:
        """How many candidates have the need itself (not only a related one)."""
        return int(np.count_nonzero(self.need_score == W_NEED))

    def take(self, rows: np.ndarray) -> _Pool:
        return _Pool(
            self.service[rows],
            self.point[rows],
            self.distance[rows],
            self.need_score[rows],
            self.region_wide[rows],
        )

    def update(self, other: _Pool) -> _Pool:
        """`dict.update` by service: `other`'s rows replace ours in place, new ones follow."""
        if not len(self):
            return other
        sorter = np.argsort(self.service, kind="stable")
        at = np.searchsorted(self.service, other.service, sorter=sorter)
        at = np.minimum(at, len(self) - 1)
        found = self.service[sorter[at]] == other.service
        merged = self.take(np.arange(len(self)))
        rows = sorter[at[found]]
        merged.point[rows] = other.point[found]
        merged.distance[rows] = other.distance[found]
        merged.need_score[rows] = other.need_score[found]
        merged.region_wide[rows] = other.region_wide[found]
        extra = other.take(np.flatnonzero(~found))
        return _Pool(
            *(
                np.concatenate([a, b])
                for a, b in (
                    (merged.service, extra.service),
                    (merged.point, extra.point),
                    (merged.distance, extra.distance),
                    (merged.need_score, extra.need_score),
                    (merged.region_wide, extra.region_wide),
                )
            )
        )


def _best_per_service(
    service: np.ndarray,
    point: np.ndarray,
    distance: np.ndarray,
    need_score: np.ndarray,
    region_wide: bool,
) -> _Pool:
    """One row per service: highest need score, then nearest, then first met; rows ordered
    by where each service was first met."""
    if not len(service):
        return _Pool.empty()
    order = np.lexsort((distance, -need_score, service))  # stable: ties keep the first met
    ordered = service[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    best = order[starts]
    first_met = np.minimum.reduceat(order, starts)
    best = best[np.argsort(first_met, kind="stable")]
    return _Pool(
        service[best].astype(np.int64),
        point[best].astype(np.int64),
        distance[best],
        need_score[best],
        np.full(len(best), region_wide),
    )


def _query_vector(model: str | None, text: str) -> np.ndarray:
    """The person's words as a vector; the same words again are not encoded again."""
    return _query_vector_cached(model, text)


@lru_cache(maxsize=1024)
def _query_vector_cached(model: str | None, text: str) -> np.ndarray:
    from bot.search.embeddings import get_encoder

    vector = np.ascontiguousarray(get_encoder(model).encode_one(text), dtype=np.float32)
    vector.setflags(write=False)
    return vector


def _text_scores(index: SearchIndex, text: str, services: np.ndarray) -> np.ndarray:
    """Similarity of the person's words to each of `services` (max over its two languages).

    Only the candidates' texts are compared: the cost follows the candidates, not the
    directory, and stays off the multi-threaded BLAS path that contends on a busy machine.
    """
    _ensure_vectors(index)
    assert index.vectors is not None and index.vector_rows is not None
    query = _query_vector(index.model, text)
    rows = index.vector_rows[services]
    if len(index.vectors) <= rows.size:
        per_text = np.dot(index.vectors, query)
        return per_text[rows].max(axis=1)
    unique, inverse = np.unique(rows, return_inverse=True)
    per_text = np.dot(index.vectors[unique], query)
    return per_text[inverse].reshape(rows.shape).max(axis=1)


def _gather(
    index: SearchIndex, need: str, where: _Where, radius: float, allowed: np.ndarray
) -> _Pool:
    """Best point per service, for the need and its related needs, within `radius`."""
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]] = []
    for candidate_need, need_score in (
        (need, W_NEED),
        *((r, W_RELATED) for r in RELATED.get(need, ())),
    ):
        points = index.candidates(candidate_need, where.lat, where.lon, radius)
        services = index.point_service[points]
        serves = allowed[index.service_area_group[services]]  # cheaper than a distance: first
        if not serves.all():
            points, services = points[serves], services[serves]
        if not len(points):
            continue
        distances = index.distances_km(points, where.lat, where.lon)
        keep = distances <= radius
        if keep.any():
            parts.append((points[keep], services[keep], distances[keep], need_score))
    if not parts:
        return _Pool.empty()
    return _best_per_service(
        np.concatenate([part[1] for part in parts]),
        np.concatenate([part[0] for part in parts]),
        np.concatenate([part[2] for part in parts]),
        np.concatenate([np.full(len(part[0]), part[3]) for part in parts]),
        region_wide=False,
    )


def _region_wide(index: SearchIndex, need: str, where: _Where) -> _Pool:
    """Services of the need whose service area names the person's place, at any distance."""
    if not where.area_keys:
        return _Pool.empty()
    allowed, explicit = _area_masks(index, where.area_keys)
    unlocated = index.unlocated.get(need, np.zeros(0, dtype=np.int32))
    # Without a point: any service whose area names the place, or that has no area at all.
    chosen = unlocated[allowed[index.service_area_group[unlocated]]].astype(np.int64)
    pool = _Pool(
        chosen,
        np.full(len(chosen), -1, np.int64),
        np.full(len(chosen), np.nan),
        np.full(len(chosen), W_NEED),
        np.ones(len(chosen), bool),
    )
    points = index.region_points.get(need, np.zeros(0, dtype=np.int32))
    services = index.point_service[points]
    keep = explicit[index.service_area_group[services]]
    if keep.any():
        points, services = points[keep], services[keep]
        located = _best_per_service(
            services,
            points,
            index.distances_km(points, where.lat, where.lon),
            np.full(len(points), W_NEED),
            region_wide=True,
        )
        pool = pool.update(located)
    return pool


def _scores(
    pool: _Pool, text_scores: np.ndarray | None, in_names: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(score, text score) per candidate."""
    closeness = np.where(
        np.isnan(pool.distance), 0.5, 1.0 / (1.0 + pool.distance / DISTANCE_SCALE_KM)
    )
    text = np.zeros(len(pool)) if text_scores is None else text_scores.astype(np.float64)
    score = pool.need_score + W_DISTANCE * closeness + W_TEXT * np.maximum(text, 0.0)
    if in_names is not None:
        score = score + W_NAME_WORD * in_names
    return score, text


def _name_words(index: SearchIndex, text: str, services: np.ndarray) -> np.ndarray | None:
    """1 for each candidate whose name holds a word the person wrote, else 0 (None: no
    meaningful word)."""
    person = name_words.stems(text)
    if not person:
        return None
    return np.fromiter(
        (name_words.shares_a_word(person, index.services[s].name) for s in services.tolist()),
        dtype=np.float64,
        count=len(services),
    )


def _top(score: np.ndarray, distance: np.ndarray, count: int) -> np.ndarray:
    """Rows of the `count` best, best first: higher score, then nearer, then first met."""
    key_distance = np.where(np.isnan(distance), np.inf, distance)
    rows = np.arange(len(score))
    if len(score) > 4 * count:
        # Only rows scoring at least the count-th best can be in the top (ties included).
        threshold = np.partition(-score, count - 1)[count - 1]
        rows = np.flatnonzero(-score <= threshold)
    order = np.lexsort((key_distance[rows], -score[rows]))
    return rows[order[:count]]


def _opening(
    index: SearchIndex, service: int, now: datetime
) -> tuple[bool | None, datetime | None]:
    """(open now, next opening) of a service, remembered while it stays true.

    Worked out per schedule group (services with the same hours share the answer). A group
    closed at `now` whose next opening is T stays closed with the same next opening for any
    instant in [now, T): that answer is reused until T. An open answer is reused within the
    same minute. Schedules are parsed with rrule: this keeps them off the hot path.
    """
    from bot.directory.schedules import is_open, next_opening

    group = int(index.service_schedule[service]) if len(index.service_schedule) else -1
    if group < 0:
        return None, None
    schedules = index.schedule_sets[group]
    cache: dict = index.__dict__.setdefault("_opening_cache", {})
    minute = int(now.timestamp() // 60)
    cached = cache.get(group)
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
    cache[group] = (now, upcoming, opened, minute)
    return opened, (now if opened else upcoming)


@dataclass
class _Chosen:
    """A candidate on its way to becoming a hit."""

    service: int
    point: int | None
    distance: float | None
    need_score: float
    text_score: float
    score: float
    region_wide: bool
    open_now: bool | None = None
    next_opening: datetime | None = None


def _shortlist(pool: _Pool, score: np.ndarray, text: np.ndarray, count: int) -> list[_Chosen]:
    chosen = []
    for row in _top(score, pool.distance, count).tolist():
        distance = float(pool.distance[row])
        point = int(pool.point[row])
        chosen.append(
            _Chosen(
                service=int(pool.service[row]),
                point=None if point < 0 else point,
                distance=None if math.isnan(distance) else distance,
                need_score=float(pool.need_score[row]),
                text_score=float(text[row]),
                score=float(score[row]),
                region_wide=bool(pool.region_wide[row]),
            )
        )
    return chosen


def _schedule(candidates: list[_Chosen], index: SearchIndex, now: datetime, open_now: bool) -> None:
    for c in candidates:
        c.open_now, c.next_opening = _opening(index, c.service, now)
        if open_now and c.open_now:
            c.score += W_OPEN


def _reasons(
    c: _Chosen, service: ServiceInfo, need: str, language: str, now: datetime, max_text: float
) -> list[str]:
    reasons: list[str] = []
    if c.distance is not None:
        reasons.append(t("search.reason.distance", language, km=formats.km(c.distance, language)))
    else:
        reasons.append(t("search.reason.no_location", language))
    if c.open_now:
        reasons.append(t("search.reason.open_now", language))
    elif c.next_opening is not None:
        reasons.append(
            t("search.reason.opens", language, when=formats.when(c.next_opening, now, language))
        )
    elif not service.schedules:
        reasons.append(t("search.reason.hours_unknown", language))
    if need not in service.needs:
        related = next((n for n in RELATED.get(need, ()) if n in service.needs), None)
        if related:
            reasons.append(
                t(
                    "search.reason.related_need",
                    language,
                    need=need_label(related, language).lower(),
                )
            )
    if c.region_wide:
        reasons.append(t("search.reason.region_wide", language))
    if language == "en" and "en" in service.languages:
        reasons.append(t("search.reason.in_english", language))
    if c.text_score >= TEXT_REASON_MIN and c.text_score >= max_text - 0.05:
        reasons.append(t("search.reason.text_match", language))
    return reasons


def _hit(
    index: SearchIndex, c: _Chosen, need: str, language: str, now: datetime, max_text: float
) -> ServiceHit:
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

    widened: Widening | None = None
    pool = _Pool.empty()
    for step, radius in enumerate(RADII_KM):
        pool = _gather(index, need, where, radius, allowed)
        exact = pool.exact()
        if not exact:
            continue
        if step:
            widened = Widening("radius", radius_km=radius, previous_km=RADII_KM[step - 1])
        if exact < min(limit, MIN_HITS) and step + 1 < len(RADII_KM):
            # A few more options from one step further; they rank below the near ones.
            pool = _gather(index, need, where, RADII_KM[step + 1], allowed)
        break
    if not pool.exact():
        region = _region_wide(index, need, where)
        if len(region):
            pool = pool.update(region)
            widened = Widening("region", previous_km=RADII_KM[-1])

    words = text.strip() if text and len(pool) else ""
    text_scores = _text_scores(index, words, pool.service) if words else None
    in_names = _name_words(index, words, pool.service) if words else None
    score, text_score = _scores(pool, text_scores, in_names)
    # Opening hours only matter to the order when asked; otherwise only the shown hits need them.
    shortlist = _shortlist(pool, score, text_score, limit * 3 if open_now else limit)
    _schedule(shortlist, index, now, open_now)
    shortlist.sort(key=lambda c: (-c.score, c.distance if c.distance is not None else math.inf))
    chosen = shortlist[:limit]
    max_text = max((c.text_score for c in chosen), default=0.0)
    hits = [_hit(index, c, need, language, now, max_text) for c in chosen]

    fallback: Referral | None = None
    if not any(c.need_score == W_NEED for c in chosen) or not where.served:
        fallback = referral_for(where.code_geo)
        if not any(c.need_score == W_NEED for c in chosen):
            widened = Widening("fallback")
    # A copy: `where` is remembered for the next search of the same place.
    place_dict = dict(where.description) if where.description is not None else None
    return SearchResult(
        need=need,
        language=language,
        place=place_dict,
        hits=hits,
        widened=widened,
        fallback=fallback,
    )
