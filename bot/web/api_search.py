"""Search API: `GET /api/v1/services` and `GET /api/v1/places/resolve`.

Every bad parameter is a 400 with the bilingual JSON error (texts in catalog/search.yml);
nothing a caller sends can make a 500. The search index is built once per app, on the first
request, in a worker thread (it reads the whole directory), and each search runs in a thread
too (it may encode the person's words), so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import functools
import math
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.directory import generation
from bot.web import keys
from bot.web.errors import bad_request, json_error

MAX_TEXT = 500
MAX_PLACE = 200
MAX_LIMIT = 50
TRUE = {"1", "true", "yes", "on", "oui"}
FALSE = {"0", "false", "no", "off", "non", ""}


class _SearchState:
    """The app's search index, built on first use and rebuilt after an import: the
    directory's generation is read every `RELAIS_DIRECTORY_CHECK_SECONDS` (one small query)
    and a moved one rebuilds the index in a thread while the old one keeps answering."""

    def __init__(self) -> None:
        self.index: Any = None
        self.lock = asyncio.Lock()
        self.watch = generation.Watch()

    async def get(self, app: web.Application) -> Any:
        if self.index is None or (self.watch.due() and await self._stale(app)):
            async with self.lock:
                if self.index is None or await self._stale(app):
                    from bot.search.engine import load_index

                    settings = app[keys.SETTINGS]
                    loop = asyncio.get_running_loop()
                    self.index = await loop.run_in_executor(
                        None, load_index, settings.database_url, settings.record_language
                    )
        return self.index

    async def _stale(self, app: web.Application) -> bool:
        if self.index is None:
            return True
        try:
            return await generation.read_async(app[keys.ENGINE]) != self.index.generation
        except SQLAlchemyError:
            return False  # the database away for a moment: keep serving what we have


SEARCH_STATE = web.AppKey("search_state", _SearchState)


def _language(request: web.Request) -> str:
    raw = request.query.get("lang", "fr")
    code = raw.strip().lower().replace("_", "-").split("-")[0]
    if code not in ("fr", "en"):
        raise bad_request("search.error.language", lang=raw[:20])
    return code


def _text(request: web.Request, name: str, maximum: int) -> str | None:
    value = request.query.get(name)
    if value is None or not value.strip():
        return None
    if len(value) > maximum:
        raise bad_request("search.error.too_long", name=name, length=len(value), maximum=maximum)
    return value.strip()


def _coordinates(request: web.Request) -> tuple[float | None, float | None]:
    raw_lat, raw_lon = request.query.get("lat"), request.query.get("lon")
    if raw_lat in (None, "") and raw_lon in (None, ""):
        return None, None
    try:
        lat, lon = float(raw_lat or ""), float(raw_lon or "")
    except ValueError:
        raise bad_request("search.error.coordinates") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("search.error.coordinates")
    return lat, lon


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", "5").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise bad_request("search.error.limit", low=1, high=MAX_LIMIT)
    return int(raw)


def _flag(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "").strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise bad_request("search.error.boolean", name=name)


async def services(request: web.Request) -> web.Response:
    """Ranked services for a need near a place or a point."""
    from bot.directory.needs import NEED_IDS
    from bot.search.engine import PlaceNotFound, search

    need = (request.query.get("need") or "").strip()
    if need not in NEED_IDS:
        raise bad_request("search.error.unknown_need", need=need[:40], allowed=", ".join(NEED_IDS))
    language = _language(request)
    lat, lon = _coordinates(request)
    place = _text(request, "place", MAX_PLACE)
    if place is None and lat is None:
        raise bad_request("search.error.where")
    limit = _limit(request)
    open_now = _flag(request, "open_now")
    text = _text(request, "q", MAX_TEXT)
    index = await request.app[SEARCH_STATE].get(request.app)
    run = functools.partial(
        search,
        need,
        place=place,
        lat=lat,
        lon=lon,
        language=language,
        open_now=open_now,
        limit=limit,
        text=text,
        index=index,
    )
    try:
        result = await asyncio.get_running_loop().run_in_executor(None, run)
    except PlaceNotFound:
        raise json_error(
            404, "place_not_found", "search.error.place_not_found", place=(place or "")[:80]
        ) from None
    return web.json_response(result.as_dict())


async def resolve_place(request: web.Request) -> web.Response:
    """What a place name, postal code or point designates, and the 211 that serves it."""
    from bot.places.gazetteer import get_gazetteer
    from bot.places.territory import referral_for

    text = _text(request, "q", MAX_PLACE)
    lat, lon = _coordinates(request)
    if text is None and lat is None:
        raise bad_request("search.error.query_missing")
    gazetteer = await asyncio.get_running_loop().run_in_executor(None, get_gazetteer)
    if text is not None:
        place = gazetteer.resolve(text)
    elif lat is not None and lon is not None:
        place = gazetteer.reverse(lat, lon)
    else:
        raise bad_request("search.error.query_missing")
    body: dict[str, Any] = {"query": text, "place": None, "referral": None}
    if place is not None:
        body["place"] = place.as_dict()
        body["referral"] = referral_for(place.code_geo).as_dict()
    return web.json_response(body)


def setup_routes(app: web.Application) -> None:
    """Add this area's routes to `app`."""
    app[SEARCH_STATE] = _SearchState()
    app.router.add_get("/api/v1/services", services)
    app.router.add_get("/api/v1/places/resolve", resolve_place)
