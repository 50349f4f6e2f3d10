"""The chat widget's side of the web app: the demo page, the bundle, its texts, its history.

- `GET /` — a page that looks like a 211 site, with the widget (`?lang=en` for English);
- `GET /widget/static/relais211.js` — the one-script widget (built from `widget/`);
- `GET /widget/boot.json` — the widget's texts (catalog `widget.ui.*`, both languages) and
  where the quick exit leads (the widget talks to Rasa's channels on the origin that served
  it: `bot.web.rasa_proxy`);
- `GET /widget/api/conversations/{session_id}` — the conversation from Rasa's tracker, fetched
  with the Rasa token, which never reaches the browser.

Security headers of every page: `bot.web.headers`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path

import aiohttp
import jinja2
from aiohttp import web

from bot import texts
from bot.web import keys
from bot.web.errors import json_error
from bot.web.widget_history import conversation_view

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static" / "widget"
BUNDLE = STATIC_DIR / "relais211.js"
TEMPLATES_DIR = HERE / "templates"
UI_PREFIX = "widget.ui."
EXIT_URL = "https://www.meteomedia.com"
"""The neutral site of the quick exit (a page can choose another: `Relais211.exitUrl`)."""
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
RASA_TIMEOUT = aiohttp.ClientTimeout(total=5)

HTTP_SESSION = web.AppKey("widget_http", aiohttp.ClientSession)


def ui_texts(language: str) -> dict[str, str]:
    """The widget's strings in `language`, keys without their `widget.ui.` prefix."""
    return {
        key[len(UI_PREFIX) :]: texts.t(key, language)
        for key in texts.catalog()
        if key.startswith(UI_PREFIX)
    }


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def bundle_version() -> str:
    """A short hash of the bundle, so browsers fetch a new one after each build."""
    try:
        return hashlib.sha256(BUNDLE.read_bytes()).hexdigest()[:12]
    except OSError:
        return "missing"


async def demo_page(request: web.Request) -> web.Response:
    """A page that looks like a 211 site, with the widget on it."""
    language = texts.normalize_language(request.query.get("lang"))
    other = "en" if language == "fr" else "fr"
    html = (
        _templates()
        .get_template("widget_demo.html")
        .render(
            lang=language,
            other_lang=other,
            t=lambda key, **variables: texts.t(key, language, **variables),
            version=bundle_version(),
        )
    )
    return web.Response(text=html, content_type="text/html")


def _cors(response: web.StreamResponse) -> web.StreamResponse:
    """The widget runs on other sites: its public JSON is readable from any origin."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


async def boot(request: web.Request) -> web.StreamResponse:
    """Texts (both languages, or `?lang=`) and quick exit URL."""
    wanted = request.query.get("lang")
    languages = [texts.normalize_language(wanted)] if wanted else list(texts.LANGUAGES)
    body = {
        "texts": {language: ui_texts(language) for language in languages},
        "exit_url": EXIT_URL,
        "history_minutes": request.app[keys.SETTINGS].retention.widget_idle_minutes,
    }
    response = web.json_response(body, headers={"Cache-Control": "public, max-age=300"})
    return _cors(response)


async def conversation(request: web.Request) -> web.StreamResponse:
    """The conversation of a session, from Rasa's tracker (token added here, server side)."""
    session_id = request.match_info["session_id"]
    if not SESSION_ID.match(session_id):
        raise json_error(400, "bad_request", "widget.error.bad_session")
    settings = request.app[keys.SETTINGS]
    url = f"{settings.rasa_url}/conversations/{session_id}/tracker"
    params = {"include_events": "AFTER_RESTART", "token": settings.rasa_token}
    try:
        async with request.app[HTTP_SESSION].get(url, params=params) as answer:
            if answer.status != 200:
                log.warning("Rasa tracker %s answered HTTP %s", session_id, answer.status)
                raise json_error(502, "rasa_unavailable", "widget.error.rasa_unavailable")
            tracker = await answer.json()
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("Rasa tracker unreachable: %s", exc)
        raise json_error(503, "rasa_unavailable", "widget.error.rasa_unavailable") from None
    response = web.json_response(conversation_view(tracker), headers={"Cache-Control": "no-store"})
    return _cors(response)


async def http_session(app: web.Application) -> AsyncIterator[None]:
    """One HTTP client for the app's calls to Rasa (a cleanup context)."""
    async with aiohttp.ClientSession(timeout=RASA_TIMEOUT) as session:
        app[HTTP_SESSION] = session
        yield


def setup_routes(app: web.Application) -> None:
    """Add the widget's routes, static files and security headers to `app`."""
    app.router.add_get("/", demo_page, name="widget_demo")
    app.router.add_get("/widget/boot.json", boot, name="widget_boot")
    app.router.add_get(
        "/widget/api/conversations/{session_id}", conversation, name="widget_conversation"
    )
    app.router.add_static("/widget/static", STATIC_DIR, name="widget_static")
    app.cleanup_ctx.append(http_session)
