"""Directory routes of the HTTP API: services, organizations, the needs taxonomy, health,
and the OpenAPI document (`bot/web/openapi.json`, covering every `/api/v1` route).

Records come back in the HSDS 3.0 "full" shape, texts in `?lang=fr|en` when translated.
Bad ids and parameters answer 400/404 with the bilingual error body; a database problem
answers 503, never a traceback.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.texts import LANGUAGES
from bot.web import keys
from bot.web.errors import bad_request, json_error, not_found

log = logging.getLogger(__name__)

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"
MAX_ID_LENGTH = 200


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3 description of `/api/v1`, read once."""
    with OPENAPI_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


def _lang(request: web.Request) -> str | None:
    value = request.query.get("lang")
    if value is None:
        return None
    if value not in LANGUAGES:
        raise bad_request("directory.api.bad_lang")
    return value


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""What an id may not hold (the `pattern` of `id` in openapi.json says the same)."""


def _record_id(request: web.Request) -> str:
    value = request.match_info["id"]
    if not 0 < len(value) <= MAX_ID_LENGTH or CONTROL.search(value):
        raise bad_request("directory.api.bad_id")
    return value


async def _run(request: web.Request, function: Callable[..., Any], *args: Any) -> Any:
    """Run a sync store reader on the app's async engine; database trouble → 503."""
    try:
        async with request.app[keys.ENGINE].connect() as conn:
            return await conn.run_sync(function, *args)
    except SQLAlchemyError:
        log.exception("directory database error on %s", request.path)
        raise json_error(503, "unavailable", "directory.api.unavailable") from None


async def get_service(request: web.Request) -> web.Response:
    """`GET /api/v1/services/{id}`: one service, HSDS `service_full`."""
    from bot.directory import store

    record_id, lang = _record_id(request), _lang(request)
    record = await _run(request, store.get_service, record_id, lang)
    if record is None:
        raise not_found("directory.api.service_not_found")
    return web.json_response(record)


async def get_organization(request: web.Request) -> web.Response:
    """`GET /api/v1/organizations/{id}`: one organization with its services."""
    from bot.directory import store

    record_id, lang = _record_id(request), _lang(request)
    record = await _run(request, store.get_organization, record_id, lang)
    if record is None:
        raise not_found("directory.api.organization_not_found")
    return web.json_response(record)


async def get_taxonomy(request: web.Request) -> web.Response:
    """`GET /api/v1/taxonomy`: the 20 needs, labelled in the asked language."""
    from bot.directory import needs

    lang = _lang(request) or "fr"
    terms = [
        {
            "id": needs.term_id(needs.NEEDS_TAXONOMY, need),
            "code": need,
            "name": needs.need_label(need, lang),
            "description": needs.need_description(need, lang),
            "open_eligibility": needs.open_eligibility_terms(need),
        }
        for need in needs.NEED_IDS
    ]
    return web.json_response(
        {
            "taxonomy": needs.NEEDS_TAXONOMY,
            "id": needs.taxonomy_id(needs.NEEDS_TAXONOMY),
            "language": lang,
            "terms": terms,
        }
    )


async def health(request: web.Request) -> web.Response:
    """`GET /api/v1/health`: is the database reachable, and how many records it holds."""
    from sqlalchemy import inspect

    from bot.directory import store

    def check(conn: Any) -> dict[str, Any]:
        if not inspect(conn).has_table("service"):
            return {"reachable": True, "initialized": False, "counts": {}}
        return {"reachable": True, "initialized": True, "counts": store.counts(conn)}

    engine = request.app[keys.ENGINE]
    try:
        async with engine.connect() as conn:
            database = await conn.run_sync(check)
    except (SQLAlchemyError, OSError):
        log.exception("health check: database unreachable")
        return web.json_response(
            {"status": "unavailable", "database": {"reachable": False}}, status=503
        )
    database["dialect"] = engine.dialect.name
    loaded = database["initialized"] and database["counts"].get("service", 0) > 0
    status = "ok" if loaded else "empty"  # no directory loaded yet (the tables may exist)
    return web.json_response(
        {
            "status": status,
            "record_language": request.app[keys.SETTINGS].record_language,
            "database": database,
        }
    )


async def openapi(_request: web.Request) -> web.Response:
    """`GET /api/v1/openapi.json`."""
    return web.json_response(openapi_document())


def setup_routes(app: web.Application) -> None:
    """Add the directory routes to `app`."""
    app.router.add_get("/api/v1/services/{id}", get_service)
    app.router.add_get("/api/v1/organizations/{id}", get_organization)
    app.router.add_get("/api/v1/taxonomy", get_taxonomy)
    app.router.add_get("/api/v1/health", health)
    app.router.add_get("/api/v1/openapi.json", openapi)
