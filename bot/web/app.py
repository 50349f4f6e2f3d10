"""The aiohttp web application: API, counsellor console and chat widget.

`create_app(settings)` builds it; each area adds its routes through its own
`setup_routes(app)`, listed in `AREAS`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from bot.settings import Settings, get_settings
from bot.web import keys
from bot.web.errors import error_body
from bot.web.headers import security_headers

log = logging.getLogger(__name__)

AREAS: tuple[str, ...] = (
    "bot.web.api_directory",
    "bot.web.api_search",
    "bot.web.widget",
    "bot.web.console",
    "bot.privacy.web",
    "bot.stats.web",
    "bot.web.rasa_proxy",
)
"""Modules with a `setup_routes(app)`; later areas (console, widget) add themselves here."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """API paths answer errors as bilingual JSON, and never leak a traceback."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.content_type == "application/json":
            raise
        if exc.status == 404:
            body = error_body("not_found", "api.error.route_not_found")
        elif exc.status == 405:
            body = error_body("method_not_allowed", "api.error.method_not_allowed")
        else:
            body = error_body("http_error", "api.error.bad_request")
        allow = exc.headers.get("Allow")  # a 405 says which methods are (RFC 9110)
        return web.json_response(
            body, status=exc.status, headers={"Allow": allow} if allow else None
        )
    except Exception:
        log.exception("Unhandled error on %s %s", request.method, request.path)
        if not request.path.startswith("/api/"):
            raise
        return web.json_response(error_body("internal", "api.error.internal"), status=500)


async def database_engine(app: web.Application) -> AsyncIterator[None]:
    """Open the async database engine for the app's lifetime (a cleanup context)."""
    from bot.directory.store import create_async_engine_from_url

    engine = create_async_engine_from_url(app[keys.SETTINGS].database_url)
    app[keys.ENGINE] = engine
    yield
    await engine.dispose()


def create_app(settings: Settings | None = None) -> web.Application:
    """Build the web application for `settings` (the environment's by default)."""
    app = web.Application(middlewares=[json_errors], client_max_size=1024**2)
    app[keys.SETTINGS] = settings or get_settings()
    app.cleanup_ctx.append(database_engine)
    for module_name in AREAS:
        importlib.import_module(module_name).setup_routes(app)
    app.on_response_prepare.append(security_headers(app))
    return app
