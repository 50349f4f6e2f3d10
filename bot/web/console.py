"""The counsellor console: login, live queue (websocket), claim, chat, notes, close, hand back,
callbacks. Pages under `/console/`, JSON under `/console/api/`, both behind the login.

Security: Argon2 password hashes (`bot.handoff.auth`), an encrypted session cookie
(aiohttp-session, key from `RELAIS_SECRET_KEY` or `var/secret_key`), a CSRF token in the
session checked on every POST (form field `csrf` or header `X-CSRF-Token`), a same-origin
check on the websocket, and logout (which hands the counsellor's conversations back).

No page or API without login: a middleware checks every path under `/console` before its
route (an unknown path too, so nothing tells an anonymous visitor what exists). Pages answer
303 to `/console/login?next=…` (the page asked for; the console after a form POST); the JSON
API and the websocket answer 401 with a bilingual JSON error. Only `/console/static/` (CSS and
JS, no data), the login page and the `/console` → `/console/` redirect are public.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot import texts
from bot.handoff import auth
from bot.handoff.config import HandoffSettings
from bot.handoff.rasa_api import RasaApi
from bot.handoff.service import HandoffService
from bot.handoff.store import (
    OUTCOMES,
    RETURNED,
    HandoffStore,
    create_handoff_engine,
    init_tables,
)
from bot.web import keys
from bot.web.errors import error_body, json_error

HERE = Path(__file__).resolve().parent
PREFIX = "/console"
HOME = f"{PREFIX}/"
LOGIN = f"{PREFIX}/login"
STATIC = f"{PREFIX}/static/"
PUBLIC = frozenset({PREFIX, LOGIN})
"""Paths served without login (with everything under STATIC)."""
SAFE_NEXT = re.compile(r"^/console/(?!/)[A-Za-z0-9/_.~%?=&+-]*$")
"""Where a login may lead: a console path only (no scheme, no host, no `//`, no odd bytes)."""
API_ERRORS = {
    404: ("not_found", "api.error.route_not_found"),
    405: ("method_not_allowed", "api.error.method_not_allowed"),
}
SERVICE = web.AppKey("handoff_service", HandoffService)
JINJA = web.AppKey("console_jinja", jinja2.Environment)
SESSION_MAX_AGE = 12 * 3600
MAX_TEXT = 2000
CALLBACK_FIELDS = ("id", "phone", "contact", "language", "best_time", "need", "municipality",
                   "crisis")  # fmt: skip

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# --- the service's lifetime ------------------------------------------------------------


def _handoff_settings(app: web.Application) -> HandoffSettings:
    return HandoffSettings.from_env()


async def handoff_context(app: web.Application) -> AsyncIterator[None]:
    """Tables, Rasa client, service and its relay task, for the app's lifetime."""
    settings = app[keys.SETTINGS]
    engine = create_handoff_engine(settings.database_url)
    await init_tables(engine)
    rasa = RasaApi(settings.rasa_url, settings.rasa_token)
    service = HandoffService(HandoffStore(engine), rasa, _handoff_settings(app))
    app[SERVICE] = service
    stop = asyncio.Event()
    task = asyncio.create_task(service.run_relay(stop))
    yield
    stop.set()
    await task
    await rasa.close()
    await engine.dispose()


# --- authentication and CSRF -----------------------------------------------------------


def _language(request: web.Request, session: Any) -> str:
    return texts.normalize_language(session.get("lang") or request.headers.get("Accept-Language"))


async def _csrf(request: web.Request) -> str:
    session = await get_session(request)
    if not session.get("csrf"):
        session["csrf"] = auth.new_csrf_token()
    return session["csrf"]


def _is_api(request: web.Request) -> bool:
    return request.path.startswith(f"{PREFIX}/api/") or request.path == f"{PREFIX}/ws"


def _is_guarded(path: str) -> bool:
    """Whether `path` is the console's and needs a signed-in counsellor."""
    inside = path == PREFIX or path.startswith(f"{PREFIX}/")
    return inside and path not in PUBLIC and not path.startswith(STATIC)


def safe_next(value: str | None) -> str:
    """The console page to open after signing in: `value` if it is one, else the console."""
    if not value or not SAFE_NEXT.match(value) or "/.." in value:
        return HOME
    path = value.split("?", 1)[0]
    if path == LOGIN or path.startswith((f"{PREFIX}/api/", STATIC)) or path == f"{PREFIX}/ws":
        return HOME
    return value


def login_url(next_page: str = HOME, **query: str) -> str:
    """The login page, remembering where to go afterwards."""
    return f"{LOGIN}?{urlencode({**query, 'next': safe_next(next_page)})}"


def refusal(request: web.Request) -> web.HTTPException:
    """What an anonymous request gets: 401 JSON for the API and websocket, else the login page
    (coming back to the page asked for; to the console after a form POST)."""
    if _is_api(request):
        return json_error(401, "unauthorized", "console.error.login_required")
    wanted = request.rel_url.raw_path_qs if request.method in ("GET", "HEAD") else HOME
    return web.HTTPSeeOther(login_url(wanted))


async def authorize(request: web.Request) -> dict[str, Any]:
    """The signed-in, active counsellor (kept on the request), or the refusal raised; POSTs
    also need the session's CSRF token."""
    if request.get("counsellor") is not None:
        return request["counsellor"]
    session = await get_session(request)
    counsellor_id = session.get("counsellor_id")
    counsellor = None
    if counsellor_id is not None:
        counsellor = await request.app[SERVICE].store.counsellor_by_id(counsellor_id)
    if counsellor is None or not counsellor["active"]:
        raise refusal(request)
    if request.method == "POST":
        await check_csrf(request)
    request["counsellor"] = counsellor
    return counsellor


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every console path but the public ones needs a login, checked before routing; the API's
    own errors (an unknown path, a wrong method) are bilingual JSON too."""
    if not _is_guarded(request.path):
        return await handler(request)
    await authorize(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not _is_api(request) or exc.status < 400 or exc.content_type == "application/json":
            raise
        code, key = API_ERRORS.get(exc.status, ("http_error", "console.error.bad_request"))
        return web.json_response(error_body(code, key), status=exc.status)


def login_required(handler: Handler) -> Handler:
    """The handler runs only for a signed-in counsellor (`request["counsellor"]`); the
    middleware has already checked, this keeps a handler safe wherever it is mounted."""

    @wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        await authorize(request)
        return await handler(request)

    return wrapper


async def check_csrf(request: web.Request) -> None:
    session = await get_session(request)
    given = request.headers.get("X-CSRF-Token")
    if given is None and request.content_type == "application/x-www-form-urlencoded":
        field = (await request.post()).get("csrf")
        given = field if isinstance(field, str) else None
    if not auth.csrf_matches(session.get("csrf"), given):
        raise json_error(403, "csrf", "console.error.csrf")


# --- pages -----------------------------------------------------------------------------


def _console_texts(language: str) -> dict[str, str]:
    return {
        key.removeprefix("console."): texts.t(key, language)
        for key in texts.catalog()
        if key.startswith("console.")
    }


async def login_page(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    if "lang" in request.query:
        session["lang"] = texts.normalize_language(request.query["lang"])
    language = _language(request, session)
    next_page = safe_next(request.query.get("next"))
    other = "en" if language == "fr" else "fr"
    return aiohttp_jinja2.render_template(
        "console/login.html",
        request,
        {"t": _console_texts(language), "lang": language, "csrf": await _csrf(request),
         "error": request.query.get("error"), "next": next_page,
         "switch_url": login_url(next_page, lang=other)},
        app_key=JINJA,
    )  # fmt: skip


async def login_submit(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    form = await request.post()
    email = str(form.get("email") or "").strip().lower()
    password = str(form.get("password") or "")
    next_page = safe_next(str(form.get("next") or ""))
    store = request.app[SERVICE].store
    counsellor = await store.counsellor_by_email(email) if email else None
    if counsellor is None:
        await asyncio.to_thread(auth.burn_time, password)
        raise web.HTTPSeeOther(login_url(next_page, error="1"))
    valid = await asyncio.to_thread(auth.verify_password, counsellor["password_hash"], password)
    if not valid or not counsellor["active"]:
        raise web.HTTPSeeOther(login_url(next_page, error="1"))
    old = await get_session(request)
    language = old.get("lang") or counsellor["language"]
    session = await new_session(request)  # a fresh session id: no fixation
    session["counsellor_id"] = counsellor["id"]
    session["lang"] = language
    session["csrf"] = auth.new_csrf_token()
    raise web.HTTPSeeOther(next_page)


@login_required
async def logout(request: web.Request) -> web.StreamResponse:
    await request.app[SERVICE].counsellor_left(request["counsellor"]["id"])
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPSeeOther(LOGIN)


@login_required
async def set_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    session = await get_session(request)
    session["lang"] = texts.normalize_language(str(form.get("lang") or ""))
    raise web.HTTPSeeOther(HOME)


@login_required
async def console_page(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    language = _language(request, session)
    counsellor = request["counsellor"]
    return aiohttp_jinja2.render_template(
        "console/console.html",
        request,
        {
            "t": _console_texts(language),
            "lang": language,
            "csrf": await _csrf(request),
            "me": {"id": counsellor["id"], "name": counsellor["name"]},
            "outcomes": OUTCOMES,
        },
        app_key=JINJA,
    )


# --- JSON API --------------------------------------------------------------------------


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat()


def _labels(item: dict[str, Any], language: str) -> dict[str, Any]:
    from bot.directory.needs import need_label
    from bot.places.territory import served_names

    need = item.get("need")
    try:
        need_text = need_label(need, language) if need else None
    except (KeyError, ValueError):
        need_text = need
    crisis = item.get("crisis")
    crisis_key = f"console.crisis.{crisis}"
    return {
        "need_label": need_text,
        "municipality_name": served_names().get(item.get("municipality") or "")
        or item.get("municipality"),
        "crisis_label": texts.t(crisis_key, language) if crisis and texts.has(crisis_key)
        else crisis,
    }  # fmt: skip


def public_escalation(item: dict[str, Any], language: str) -> dict[str, Any]:
    """An escalation as the console shows it."""
    now = time.time()
    end = item.get("claimed_at") or item.get("closed_at") or now
    return {
        "id": item["id"],
        "status": item["status"],
        "language": item["language"],
        "channel": item.get("channel"),
        "need": item.get("need"),
        "municipality": item.get("municipality"),
        "crisis": item.get("crisis"),
        "reason": item.get("reason"),
        "services": item.get("services") or [],
        "created_at": _iso(item["created_at"]),
        "waited_seconds": int(max(0, end - item["created_at"])),
        "claimed_by": item.get("claimed_by"),
        "claimed_by_name": item.get("claimed_by_name"),
        "person_left": bool(item.get("person_left_at")),
        "outcome": item.get("outcome"),
        **_labels(item, language),
    }


def public_message(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "direction": row["direction"],
        "author": row.get("author"),
        "text": row["text"],
        "at": _iso(row["created_at"]),
        "status": row.get("status"),
    }


async def _request_language(request: web.Request) -> str:
    return _language(request, await get_session(request))


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise json_error(400, "bad_request", "console.error.bad_request") from None
    if not isinstance(body, dict):
        raise json_error(400, "bad_request", "console.error.bad_request")
    return body


def _text_field(body: dict[str, Any], name: str = "text") -> str:
    value = str(body.get(name) or "").strip()
    if not value or len(value) > MAX_TEXT:
        raise json_error(400, "bad_request", "console.error.bad_text", max=MAX_TEXT)
    return value


@login_required
async def api_queue(request: web.Request) -> web.StreamResponse:
    language = await _request_language(request)
    items = await request.app[SERVICE].queue_items()
    return web.json_response({"items": [public_escalation(i, language) for i in items]})


async def _escalation_or_404(request: web.Request) -> dict[str, Any]:
    item = await request.app[SERVICE].store.escalation(request.match_info["id"])
    if item is None:
        raise json_error(404, "not_found", "console.error.not_found")
    return item


@login_required
async def api_escalation(request: web.Request) -> web.StreamResponse:
    service = request.app[SERVICE]
    item = await _escalation_or_404(request)
    language = await _request_language(request)
    if item.get("claimed_by"):
        item["claimed_by_name"] = await service.counsellor_name(item["claimed_by"])
    notes = await service.store.notes(item["id"])
    return web.json_response(
        {
            "escalation": public_escalation(item, language),
            "transcript": await service.transcript(item),
            "messages": [public_message(m) for m in await service.store.messages(item["id"])],
            "notes": [
                {
                    "id": n["id"],
                    "author": n["author"],
                    "text": n["text"],
                    "at": _iso(n["created_at"]),
                }
                for n in notes
            ],
        }
    )


@login_required
async def api_claim(request: web.Request) -> web.StreamResponse:
    item = await _escalation_or_404(request)
    if not await request.app[SERVICE].claim(item["id"], request["counsellor"]["id"]):
        raise json_error(409, "already_claimed", "console.error.already_claimed")
    return web.json_response({"claimed": item["id"]})


async def _as_holder(coro: Awaitable[Any]) -> Any:
    try:
        return await coro
    except PermissionError:
        raise json_error(409, "not_yours", "console.error.not_yours") from None


@login_required
async def api_message(request: web.Request) -> web.StreamResponse:
    text = _text_field(await _json_body(request))
    service = request.app[SERVICE]
    row = await _as_holder(
        service.send(request.match_info["id"], request["counsellor"]["id"], text)
    )
    return web.json_response({"message": public_message(row)}, status=201)


@login_required
async def api_note(request: web.Request) -> web.StreamResponse:
    text = _text_field(await _json_body(request))
    service = request.app[SERVICE]
    row = await _as_holder(
        service.add_note(request.match_info["id"], request["counsellor"]["id"], text)
    )
    return web.json_response({"note": {"id": row["id"], "text": row["text"]}}, status=201)


@login_required
async def api_close(request: web.Request) -> web.StreamResponse:
    body = await _json_body(request)
    outcome = str(body.get("outcome") or "")
    if outcome not in OUTCOMES:
        raise json_error(400, "bad_request", "console.error.bad_outcome")
    return await _finish(request, outcome)


@login_required
async def api_handback(request: web.Request) -> web.StreamResponse:
    return await _finish(request, RETURNED)


async def _finish(request: web.Request, outcome: str) -> web.StreamResponse:
    service = request.app[SERVICE]
    counsellor_id = request["counsellor"]["id"]
    if not await service.close(request.match_info["id"], counsellor_id, outcome):
        raise json_error(409, "not_yours", "console.error.not_yours")
    return web.json_response({"closed": request.match_info["id"], "outcome": outcome})


@login_required
async def api_callbacks(request: web.Request) -> web.StreamResponse:
    language = await _request_language(request)
    rows = await request.app[SERVICE].store.callbacks("open")
    return web.json_response(
        {
            "items": [
                {
                    **{k: r[k] for k in CALLBACK_FIELDS},
                    "created_at": _iso(r["created_at"]),
                    **_labels(r, language),
                }
                for r in rows
            ]
        }
    )


@login_required
async def api_close_callback(request: web.Request) -> web.StreamResponse:
    body = await _json_body(request)
    outcome = str(body.get("outcome") or "")
    if outcome not in OUTCOMES:
        raise json_error(400, "bad_request", "console.error.bad_outcome")
    service = request.app[SERVICE]
    if not await service.store.close_callback(
        request.match_info["id"], outcome, request["counsellor"]["id"]
    ):
        raise json_error(409, "already_closed", "console.error.already_closed")
    await service.publish({"type": "callbacks"})
    return web.json_response({"closed": request.match_info["id"], "outcome": outcome})


# --- websocket -------------------------------------------------------------------------


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or origin.split("://", 1)[-1] == request.host


@login_required
async def websocket(request: web.Request) -> web.StreamResponse:
    if not _same_origin(request):
        raise json_error(403, "bad_origin", "console.error.csrf")
    service = request.app[SERVICE]
    language = await _request_language(request)
    counsellor_id = request["counsellor"]["id"]
    ws = web.WebSocketResponse(heartbeat=20)
    await ws.prepare(request)

    async def listener(payload: dict[str, Any]) -> None:
        if ws.closed:
            return
        if payload.get("type") == "queue":
            payload = {
                **payload,
                "items": [public_escalation(i, language) for i in payload["items"]],
            }
        elif payload.get("type") == "message":
            payload = {**payload, "message": public_message(payload["message"])}
        elif payload.get("type") == "note":
            note = payload["note"]
            payload = {**payload, "note": {"id": note["id"], "author": note.get("author"),
                                           "text": note["text"], "at": _iso(note["created_at"])}}  # fmt: skip
        await ws.send_json(payload)

    service.presence.connected(counsellor_id)
    service.listeners.add(listener)
    try:
        await listener({"type": "queue", "items": await service.queue_items()})
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and msg.data == "ping":
                await ws.send_str("pong")
            elif msg.type == WSMsgType.ERROR:
                break
    finally:
        service.listeners.discard(listener)
        service.presence.disconnected(counsellor_id)
    return ws


async def to_console(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(HOME)


# --- wiring ----------------------------------------------------------------------------


def setup_routes(app: web.Application) -> None:
    """Add the console (sessions, templates, routes, relay) to `app`."""
    settings = app[keys.SETTINGS]
    storage = EncryptedCookieStorage(
        auth.session_key(auth.secret_key(settings.secret_key)),
        cookie_name="relais_console",
        path=PREFIX,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="Strict",
        secure=settings.public_url.startswith("https://"),
    )
    setup_sessions(app, storage)  # its middleware first: require_login reads the session
    app.middlewares.append(require_login)
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        app_key=JINJA,
    )
    app.cleanup_ctx.append(handoff_context)
    app.router.add_get(f"{PREFIX}", to_console)
    app.router.add_get(f"{PREFIX}/", console_page)
    app.router.add_get(f"{PREFIX}/login", login_page)
    app.router.add_post(f"{PREFIX}/login", login_submit)
    app.router.add_post(f"{PREFIX}/logout", logout)
    app.router.add_post(f"{PREFIX}/language", set_language)
    app.router.add_get(f"{PREFIX}/ws", websocket)
    app.router.add_get(f"{PREFIX}/api/queue", api_queue)
    app.router.add_get(f"{PREFIX}/api/escalations/{{id}}", api_escalation)
    app.router.add_post(f"{PREFIX}/api/escalations/{{id}}/claim", api_claim)
    app.router.add_post(f"{PREFIX}/api/escalations/{{id}}/messages", api_message)
    app.router.add_post(f"{PREFIX}/api/escalations/{{id}}/notes", api_note)
    app.router.add_post(f"{PREFIX}/api/escalations/{{id}}/close", api_close)
    app.router.add_post(f"{PREFIX}/api/escalations/{{id}}/handback", api_handback)
    app.router.add_get(f"{PREFIX}/api/callbacks", api_callbacks)
    app.router.add_post(f"{PREFIX}/api/callbacks/{{id}}/close", api_close_callback)
    app.router.add_static(f"{PREFIX}/static/", HERE / "static" / "console")
