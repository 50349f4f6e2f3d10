"""The counsellor console: login, sessions, pages and the live websocket. Pages under
`/console/`, JSON under `/console/api/` (`bot.web.console_api`), both behind the login.

Security:
- Argon2 password hashes, checked on a small executor of their own (`auth.PasswordChecker`):
  a burst of logins never takes the threads the API needs;
- sessions kept on the server (`bot.handoff.sessions`): the `relais_console` cookie holds a
  random token, the row its counsellor, CSRF token and language. Logout ends the session; a
  password change or a disabled account (`relais counsellor password|disable`) ends all of
  the account's, and an open websocket is closed within `SESSION_CHECK` seconds;
- the login form's CSRF token is a double-submit cookie (`relais_console_login`); every
  POST of a signed-in counsellor carries the session's (form field `csrf` or header
  `X-CSRF-Token`); the websocket checks the origin;
- after `MAX_FAILURES` failed logins for one account or from one address within 15 minutes,
  429 for 15 minutes; an unknown account takes as long and counts the same as a wrong
  password, so the answers tell nothing about which accounts exist.

No page or API without login: a middleware checks every path under `/console` before its
route (an unknown path too). Pages answer 303 to `/console/login?next=…`; the JSON API and the
websocket answer 401 with a bilingual JSON error. Only `/console/static/`, the login page and
the `/console` → `/console/` redirect are public. Roles (`bot.handoff.roles`): `role_required`
guards what only staff (canned responses, later `/console/stats`) or admins may do.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import math
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web

from bot import texts
from bot.handoff import auth, roles, sessions
from bot.handoff.config import HandoffSettings
from bot.handoff.console_service import ConsoleService
from bot.handoff.rasa_api import RasaApi
from bot.handoff.shared import Shared
from bot.handoff.store import OUTCOMES, HandoffStore, create_handoff_engine, init_tables
from bot.web import keys
from bot.web.console_view import public_escalation, public_message, public_note
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
COOKIE = "relais_console"
LOGIN_COOKIE = "relais_console_login"
LANG_COOKIE = "relais_console_lang"
SESSION_CHECK = 5.0
"""Seconds between two checks that an open websocket's session still exists."""
SERVICE = web.AppKey("handoff_service", ConsoleService)
SESSIONS = web.AppKey("console_sessions", sessions.SessionStore)
CHECKER = web.AppKey("password_checker", auth.PasswordChecker)
SECRET = web.AppKey("console_secret", str)
JINJA = web.AppKey("console_jinja", jinja2.Environment)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# --- the service's lifetime ------------------------------------------------------------


def _handoff_settings(app: web.Application) -> HandoffSettings:
    return HandoffSettings.from_env()


async def handoff_context(app: web.Application) -> AsyncIterator[None]:
    """Tables, Rasa client, service, sessions, the password checker and the relay tasks."""
    settings = app[keys.SETTINGS]
    engine = create_handoff_engine(settings.database_url)
    await init_tables(engine)
    rasa = RasaApi(settings.rasa_url, settings.rasa_token)
    handoff = _handoff_settings(app)
    shared = (
        Shared.on_redis(settings.redis_url, settings.redis_prefix, handoff.poll_interval)
        if settings.redis_url
        else Shared.in_memory()
    )  # several web apps (RELAIS_REDIS_URL): console events, presence, one relay pass at a time
    service = ConsoleService(HandoffStore(engine), rasa, handoff, shared)
    app[SERVICE] = service
    app[SESSIONS] = sessions.SessionStore(engine)
    app[CHECKER] = auth.PasswordChecker()
    app[SECRET] = auth.secret_key(settings.secret_key)
    await app[SESSIONS].purge_expired()
    await shared.hub.subscribe()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(service.run_relay(stop)),
             asyncio.create_task(service.run_typing_relay(stop)),
             asyncio.create_task(shared.hub.run(stop))]  # fmt: skip
    yield
    stop.set()
    await asyncio.gather(*tasks)
    await shared.aclose()
    app[CHECKER].close()
    await rasa.close()
    await engine.dispose()


# --- authentication and CSRF -----------------------------------------------------------


def _cookie_options(request: web.Request) -> dict[str, Any]:
    secure = request.app[keys.SETTINGS].public_url.startswith("https://")
    return {"path": PREFIX, "httponly": True, "samesite": "Strict", "secure": secure}


def page_language(request: web.Request) -> str:
    """The console's language: the session's, else the language cookie, else the browser's."""
    found = request.get("session")
    if found is not None:
        return found.language
    chosen = request.cookies.get(LANG_COOKIE) or request.headers.get("Accept-Language")
    return texts.normalize_language(chosen)


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
    """The signed-in, active counsellor (kept on the request with the session), or the
    refusal raised; POSTs also need the session's CSRF token."""
    if request.get("counsellor") is not None:
        return request["counsellor"]
    found = await request.app[SESSIONS].find(request.cookies.get(COOKIE))
    if found is None:
        raise refusal(request)
    session, counsellor = found
    request["session"] = session
    if request.method == "POST":
        await check_csrf(request, session.csrf)
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


def role_required(role: str) -> Callable[[Handler], Handler]:
    """The handler runs only for a signed-in counsellor with `role` or a higher one; others
    get 403 (the bilingual JSON error). `/console/stats` will use `role_required("staff")`."""
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            counsellor = await authorize(request)
            if not roles.has_role(counsellor, role):
                raise json_error(403, "forbidden", "console.error.forbidden")
            return await handler(request)

        return login_required(wrapper)

    return decorate


async def check_csrf(request: web.Request, expected: str | None) -> None:
    given = request.headers.get("X-CSRF-Token")
    if given is None and request.content_type == "application/x-www-form-urlencoded":
        field = (await request.post()).get("csrf")
        given = field if isinstance(field, str) else None
    if not auth.csrf_matches(expected, given):
        raise json_error(403, "csrf", "console.error.csrf")


# --- pages -----------------------------------------------------------------------------


def console_texts(language: str) -> dict[str, str]:
    return {
        key.removeprefix("console."): texts.t(key, language)
        for key in texts.catalog()
        if key.startswith("console.")
    }


def _render(request: web.Request, template: str, context: dict[str, Any], **kw: Any) -> Any:
    return aiohttp_jinja2.render_template(template, request, context, app_key=JINJA, **kw)


async def login_page(request: web.Request, *, status: int = 200, error: str | None = None,
                     retry_minutes: int = 0) -> web.StreamResponse:  # fmt: skip
    """The login form; `?lang=` switches its language (kept in a cookie)."""
    language = page_language(request)
    if "lang" in request.query:
        language = texts.normalize_language(request.query["lang"])
    next_page = safe_next(request.query.get("next"))
    csrf = request.cookies.get(LOGIN_COOKIE) or auth.new_csrf_token()
    other = "en" if language == "fr" else "fr"
    error = error or ("console.login.error" if request.query.get("error") else None)
    response = _render(
        request,
        "console/login.html",
        {"t": console_texts(language), "lang": language, "csrf": csrf, "next": next_page,
         "error": texts.t(error, language, minutes=retry_minutes) if error else None,
         "switch_url": login_url(next_page, lang=other)},
        status=status,
    )  # fmt: skip
    response.set_cookie(LOGIN_COOKIE, csrf, max_age=3600, **_cookie_options(request))
    if "lang" in request.query:
        response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400,
                            **_cookie_options(request))  # fmt: skip
    return response


def client_address(request: web.Request) -> str:
    """The address a login comes from (the app in front sets `request.remote`)."""
    return request.remote or "unknown"


async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if not auth.csrf_matches(request.cookies.get(LOGIN_COOKIE), str(form.get("csrf") or "")):
        raise json_error(403, "csrf", "console.error.csrf")
    email = str(form.get("email") or "").strip().lower()[:254]
    password = str(form.get("password") or "")[:1024]
    next_page = safe_next(str(form.get("next") or ""))
    store, throttle = request.app[SERVICE].store, request.app[SESSIONS]
    secret = request.app[SECRET]
    account_key = sessions.throttle_key("account", email, secret)
    address_key = sessions.throttle_key("address", client_address(request), secret)
    wait = await throttle.locked(account_key, address_key)
    if wait > 0:
        answer = await login_page(request, status=429, error="console.login.locked",
                                  retry_minutes=max(1, math.ceil(wait / 60)))  # fmt: skip
        answer.headers["Retry-After"] = str(math.ceil(wait))
        return answer
    counsellor = await store.counsellor_by_email(email) if email else None
    try:
        valid = await request.app[CHECKER].verify(
            counsellor["password_hash"] if counsellor else None, password
        )
    except auth.PasswordCheckerBusy:
        answer = await login_page(request, status=503, error="console.login.busy")
        answer.headers["Retry-After"] = "5"
        return answer
    if not valid or counsellor is None or not counsellor["active"]:
        await throttle.failed(account_key, address_key)
        raise web.HTTPSeeOther(login_url(next_page, error="1"))
    await throttle.succeeded(account_key)
    language = request.cookies.get(LANG_COOKIE) or counsellor["language"]
    token, _ = await throttle.open(counsellor["id"], texts.normalize_language(language))
    answer = web.HTTPSeeOther(next_page)
    answer.set_cookie(COOKIE, token, max_age=sessions.SESSION_MAX_AGE, **_cookie_options(request))
    answer.del_cookie(LOGIN_COOKIE, path=PREFIX)
    raise answer


@login_required
async def logout(request: web.Request) -> web.StreamResponse:
    """Ends this session; the counsellor's conversations go back to the assistant."""
    await request.app[SESSIONS].close(request["session"].id)
    await request.app[SERVICE].counsellor_left(request["counsellor"]["id"])
    answer = web.HTTPSeeOther(LOGIN)
    answer.del_cookie(COOKIE, path=PREFIX)
    raise answer


@login_required
async def set_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    language = texts.normalize_language(str(form.get("lang") or ""))
    await request.app[SESSIONS].set_language(request["session"].id, language)
    answer = web.HTTPSeeOther(HOME)
    answer.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, **_cookie_options(request))
    raise answer


@login_required
async def console_page(request: web.Request) -> web.StreamResponse:
    language = page_language(request)
    counsellor = request["counsellor"]
    me = {"id": counsellor["id"], "name": counsellor["name"],
          "staff": roles.has_role(counsellor, roles.STAFF)}  # fmt: skip
    from bot.directory.needs import NEED_IDS
    from bot.web.console_view import need_text

    needs = [{"id": need, "label": need_text(need, language)} for need in NEED_IDS]
    return _render(
        request,
        "console/console.html",
        {"t": console_texts(language), "lang": language, "csrf": request["session"].csrf,
         "me": me, "outcomes": OUTCOMES, "needs": needs},
    )  # fmt: skip


# --- websocket -------------------------------------------------------------------------


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return hmac.compare_digest(origin.split("://", 1)[-1], request.host)


@login_required
async def websocket(request: web.Request) -> web.StreamResponse:
    if not _same_origin(request):
        raise json_error(403, "bad_origin", "console.error.csrf")
    service = request.app[SERVICE]
    language = page_language(request)
    counsellor_id = request["counsellor"]["id"]
    session_id = request["session"].id
    ws = web.WebSocketResponse(heartbeat=20)
    await ws.prepare(request)

    async def listener(payload: dict[str, Any]) -> None:
        if ws.closed:
            return
        kind = payload.get("type")
        if kind == "queue":
            payload = {**payload, "items": [public_escalation(i, language)
                                            for i in payload["items"]]}  # fmt: skip
        elif kind == "message":
            payload = {**payload, "message": public_message(payload["message"])}
        elif kind == "note":
            payload = {**payload, "note": public_note(payload["note"])}
        await ws.send_json(payload)

    signed_out = asyncio.Event()

    async def watch_session() -> None:
        """Close the socket once the session is gone (logout elsewhere, password changed,
        account disabled): the page then finds itself signed out (code 4401)."""
        while not ws.closed:
            await asyncio.sleep(SESSION_CHECK)
            if not await request.app[SESSIONS].alive(session_id):
                signed_out.set()
                await ws.close(code=4401, message=b"signed out")
                return

    came = await service.presence.connected(counsellor_id)
    watcher = asyncio.create_task(watch_session())
    try:
        if came:  # an open transfer list elsewhere shows the counsellor who just came online
            await service.publish({"type": "presence"})
        service.listeners.add(listener)  # this console's first event is the queue
        await listener({"type": "queue", "items": await service.queue_items()})
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and msg.data == "ping":
                await ws.send_str("pong")
            elif msg.type == WSMsgType.ERROR:
                break
    finally:
        if not signed_out.is_set():
            watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher  # a sign-out finishes its close (4401) before the handler returns
        service.listeners.discard(listener)
        if await service.presence.disconnected(counsellor_id):
            await service.publish({"type": "presence"})
    return ws


async def to_console(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(HOME)


# --- wiring ----------------------------------------------------------------------------


def setup_routes(app: web.Application) -> None:
    """Add the console (templates, routes, relay) to `app`."""
    from bot.web import console_api

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
    console_api.setup_routes(app)
    app.router.add_static(f"{PREFIX}/static/", HERE / "static" / "console")
