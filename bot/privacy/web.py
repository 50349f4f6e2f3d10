"""The privacy side of the web application.

- `GET /confidentialite` and `GET /privacy`: the full notice, in French and in English (the
  widget's first message links to it);
- `POST /widget/api/conversations/{session_id}/forget`: the widget's "Erase my conversation"
  (everything, every store, as `relais privacy forget --conversation`);
- `POST /widget/api/conversations/{session_id}/end`: the widget's quick exit: a waiting or
  active handoff is withdrawn and the conversation restarted on the server, so nothing of it
  is shown again, to anyone holding the session id;
- `/console/privacy`: a counsellor erases on a person's phone request; staff also export
  (identity verified), read the register of accesses and record incidents.

Whoever holds a widget session id (128 random bits, kept only in that browser) may read that
conversation (`bot.web.widget`), so they may also end or erase it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot import texts
from bot.web import keys

from . import register
from .service import Privacy, Subject

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
NOTICE_PATHS = {"fr": "/confidentialite", "en": "/privacy"}
SECTIONS = ("collected", "retention", "who", "erase", "access", "contact")
OFFICE = web.AppKey("privacy_office", Privacy)
PERSON_LEFT = "person_left"
"""Outcome of a handoff the person left by the quick exit."""


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _render(name: str, language: str, **context: Any) -> str:
    def t(key: str, **variables: Any) -> str:
        return texts.t(key, language, **variables)

    return _templates().get_template(name).render(lang=language, t=t, **context)


def notice_page(language: str):
    async def page(request: web.Request) -> web.Response:
        policy = request.app[keys.SETTINGS].retention
        other = "en" if language == "fr" else "fr"
        numbers = {
            "text_days": f"{policy.text_days:g}",
            "handoff_days": f"{policy.handoff_days:g}",
            "idle_minutes": f"{policy.widget_idle_minutes:g}",
        }
        html = _render(
            "notice.html", language, sections=SECTIONS, numbers=numbers,
            other_lang=other, other_url=NOTICE_PATHS[other],
        )  # fmt: skip
        return web.Response(text=html, content_type="text/html")

    return page


# --- the widget --------------------------------------------------------------------------


def _session_id(request: web.Request) -> str:
    from bot.web.widget import SESSION_ID

    session_id = request.match_info["session_id"]
    if not SESSION_ID.match(session_id):
        from bot.web.errors import json_error

        raise json_error(400, "bad_request", "widget.error.bad_session")
    return session_id


def _cors(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    return response


async def widget_forget(request: web.Request) -> web.StreamResponse:
    session_id = _session_id(request)
    await _withdraw(request.app, session_id)
    office = request.app[OFFICE]
    report = await asyncio.to_thread(office.forget, Subject((session_id,)), "widget")
    log.info("Widget conversation %s erased on request", session_id)
    return _cors(web.json_response({"erased": report.counts}))


async def widget_end(request: web.Request) -> web.StreamResponse:
    session_id = _session_id(request)
    await _withdraw(request.app, session_id)
    from bot.handoff.rasa_api import RasaApi, RasaUnavailable

    settings = request.app[keys.SETTINGS]
    async with RasaApi(settings.rasa_url, settings.rasa_token) as rasa:
        try:
            await rasa.append_events(session_id, [{"event": "restart"}])
        except RasaUnavailable:
            log.warning("Quick exit: Rasa unreachable, conversation %s not restarted", session_id)
    return _cors(web.json_response({"ended": True}))


async def _withdraw(app: web.Application, sender_id: str) -> None:
    """The person's waiting or active handoff is closed (they left) and consoles told."""
    from bot.web.console import SERVICE

    service = app.get(SERVICE)
    if service is None:
        return
    item = await service.store.open_escalation_for(sender_id)
    if item is not None and await service.store.close(item["id"], PERSON_LEFT):
        await service.publish_queue()


# --- the console -------------------------------------------------------------------------


def _console_subject(form: Any) -> Subject | None:
    from bot.channels.sms_privacy import InvalidNumber, normalize_number

    phone = str(form.get("phone") or "").strip()
    conversation = str(form.get("conversation") or "").strip()
    if phone:
        try:
            phone = normalize_number(phone)
        except InvalidNumber:
            return None
    if not phone and not conversation:
        return None
    return Subject((conversation,) if conversation else (), phone or None)


async def console_page(request: web.Request, report: list[str] | None = None) -> web.Response:
    from bot.handoff import roles
    from bot.web.console import page_language

    language = page_language(request)
    counsellor = request["counsellor"]
    staff = roles.has_role(counsellor, roles.STAFF)
    accesses: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []
    if staff:
        office = request.app[OFFICE]

        def read() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            with office.engine.connect() as conn:
                return (
                    register.accesses(conn, since=time.time() - 30 * 86400),
                    register.incidents(conn),
                )

        accesses, incidents = await asyncio.to_thread(read)
    for row in accesses:
        row["when"] = time.strftime("%Y-%m-%d %H:%M", time.localtime(row["at"]))
    for row in incidents:
        row["line"] = texts.t(
            "privacy.incidents.line", language, id=row["id"],
            at=time.strftime("%Y-%m-%d", time.localtime(row["recorded_at"])),
            by=row["recorded_by"], occurred=row["occurred"], description=row["description"],
            persons=row["persons"] or "-", measures=row["measures"] or "-",
            notified=texts.t("privacy.yes" if row["notified"] else "privacy.no", language),
        )  # fmt: skip
    html = _render(
        "console.html", language, csrf=request["session"].csrf, staff=staff,
        accesses=accesses, incidents=incidents, report=report,
    )  # fmt: skip
    return web.Response(text=html, content_type="text/html")


async def console_forget(request: web.Request) -> web.StreamResponse:
    """Any signed-in counsellor: erasing harms no one but the person who asks, and a
    person who calls must not wait for a manager; the register keeps who did it."""
    from bot.web.console import page_language
    from bot.web.errors import json_error

    subject = _console_subject(await request.post())
    if subject is None:
        raise json_error(400, "bad_request", "privacy.error.no_subject")
    counsellor = request["counsellor"]
    for sender_id in subject.conversations:
        await _withdraw(request.app, sender_id)
    report = await asyncio.to_thread(
        request.app[OFFICE].forget, subject, counsellor["email"], counsellor["id"]
    )
    return await console_page(request, report.lines(page_language(request)))


async def console_export(request: web.Request) -> web.StreamResponse:
    """Staff only, and only once the person's identity was checked (the form says so)."""
    from bot.web.errors import json_error

    form = await request.post()
    subject = _console_subject(form)
    if subject is None or form.get("verified") != "yes":
        raise json_error(400, "bad_request", "privacy.error.no_subject")
    counsellor = request["counsellor"]
    document = await asyncio.to_thread(
        request.app[OFFICE].export, subject, counsellor["email"], counsellor["id"]
    )
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return web.Response(
        text=body,
        content_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="relais211-export.json"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


async def console_incident(request: web.Request) -> web.StreamResponse:
    from bot.web.errors import json_error

    form = await request.post()
    occurred = str(form.get("occurred") or "").strip()
    description = str(form.get("description") or "").strip()
    if not occurred or not description:
        raise json_error(400, "bad_request", "privacy.error.no_subject")
    office = request.app[OFFICE]
    counsellor = request["counsellor"]

    def write() -> None:
        with office.engine.begin() as conn:
            register.record_incident(
                conn, recorded_by=counsellor["email"], occurred=occurred,
                description=description, persons=str(form.get("persons") or ""),
                measures=str(form.get("measures") or ""), notified=form.get("notified") == "yes",
            )  # fmt: skip

    await asyncio.to_thread(write)
    raise web.HTTPSeeOther("/console/privacy")


async def privacy_office(app: web.Application) -> Any:
    """One `Privacy` for the app's lifetime (a cleanup context)."""
    app[OFFICE] = Privacy(app[keys.SETTINGS])
    yield
    app[OFFICE].close()


def setup_routes(app: web.Application) -> None:
    from bot.handoff import roles
    from bot.web.console import login_required, role_required

    for language, path in NOTICE_PATHS.items():
        app.router.add_get(path, notice_page(language), name=f"privacy_notice_{language}")
    app.router.add_post("/widget/api/conversations/{session_id}/forget", widget_forget)
    app.router.add_post("/widget/api/conversations/{session_id}/end", widget_end)
    app.router.add_get("/console/privacy", login_required(console_page))
    app.router.add_post("/console/privacy/forget", login_required(console_forget))
    app.router.add_post("/console/privacy/export", role_required(roles.STAFF)(console_export))
    app.router.add_post("/console/privacy/incidents", role_required(roles.STAFF)(console_incident))
    app.cleanup_ctx.append(privacy_office)


async def record_transcript_access(request: web.Request, escalation_id: str) -> None:
    """A counsellor opened a conversation's transcript: who, when (the privacy register)."""
    office = request.app.get(OFFICE)
    if office is None:
        return
    counsellor = request["counsellor"]

    def write() -> None:
        with office.engine.begin() as conn:
            register.record_access(
                conn, actor=counsellor["email"], action=register.VIEW_TRANSCRIPT,
                target=escalation_id, counsellor_id=counsellor["id"],
            )  # fmt: skip

    await asyncio.to_thread(write)
