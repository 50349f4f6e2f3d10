"""The console's JSON API (`/console/api/…`), behind the login of `bot.web.console`.

Queue and conversation (with its context), claim, messages, typing, notes, resource search
and cards, transfer, closing with a contact record, hand back, callbacks, and the canned
responses (kept by staff). Errors are the bilingual JSON of `bot.web.errors`.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Mapping
from typing import Any

from aiohttp import web

from bot.handoff import roles
from bot.handoff.store import OUTCOMES, RETURNED
from bot.handoff.workspace import CannedError, clean_ids
from bot.privacy.web import record_transcript_access
from bot.web.console import (
    PREFIX,
    SECRET,
    SERVICE,
    login_required,
    page_language,
    role_required,
)
from bot.web.console_view import (
    earlier_contact,
    fill_placeholders,
    first_words,
    public_callback,
    public_escalation,
    public_message,
    public_note,
)
from bot.web.errors import json_error

MAX_TEXT = 2000
MAX_QUERY = 200
SEARCH_LIMIT = 8


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


async def _escalation_or_404(request: web.Request) -> dict[str, Any]:
    item = await request.app[SERVICE].store.escalation(request.match_info["id"])
    if item is None:
        raise json_error(404, "not_found", "console.error.not_found")
    return item


async def _as_holder(coro: Awaitable[Any]) -> Any:
    try:
        return await coro
    except PermissionError:
        raise json_error(409, "not_yours", "console.error.not_yours") from None


# --- queue and conversation --------------------------------------------------------------


@login_required
async def api_queue(request: web.Request) -> web.StreamResponse:
    language = page_language(request)
    items = await request.app[SERVICE].queue_items()
    return web.json_response({"items": [public_escalation(i, language) for i in items]})


@login_required
async def api_escalation(request: web.Request) -> web.StreamResponse:
    """One conversation: context, transcript with the assistant, live messages, notes, the
    person's earlier contact today and the canned responses in the person's language."""
    service = request.app[SERVICE]
    item = await _escalation_or_404(request)
    language = page_language(request)
    if item.get("claimed_by"):
        item["claimed_by_name"] = await service.counsellor_name(item["claimed_by"])
    transcript = await service.transcript(item)
    await record_transcript_access(request, item["id"])  # the privacy register: who, when
    name = request["counsellor"]["name"]
    canned = [
        {"id": c["id"], "shortcut": c["shortcut"],
         "text": fill_placeholders(c["text"], item, name, item["language"])}
        for c in await service.workspace.canned()
        if c["language"] == item["language"]
    ]  # fmt: skip
    messages = await service.store.messages(item["id"])
    sent = {
        str(card["service_id"]): str(card.get("name") or card.get("organization") or "")
        for m in messages
        if isinstance(m.get("payload"), dict)
        for card in m["payload"].get("cards") or []
        if card.get("service_id")
    }
    return web.json_response(
        {
            "escalation": public_escalation(item, language),
            "sent": [{"service_id": k, "name": v} for k, v in sent.items()],
            "first_words": first_words(transcript),
            "earlier": earlier_contact(await service.workspace.earlier_today(item), language),
            "transcript": transcript,
            "messages": [public_message(m) for m in messages],
            "notes": [public_note(n) for n in await service.store.notes(item["id"])],
            "canned": canned,
        }
    )


@login_required
async def api_claim(request: web.Request) -> web.StreamResponse:
    item = await _escalation_or_404(request)
    if not await request.app[SERVICE].claim(item["id"], request["counsellor"]["id"]):
        raise json_error(409, "already_claimed", "console.error.already_claimed")
    return web.json_response({"claimed": item["id"]})


@login_required
async def api_message(request: web.Request) -> web.StreamResponse:
    text = _text_field(await _json_body(request))
    service = request.app[SERVICE]
    row = await _as_holder(
        service.send(request.match_info["id"], request["counsellor"]["id"], text)
    )
    return web.json_response({"message": public_message(row)}, status=201)


@login_required
async def api_typing(request: web.Request) -> web.StreamResponse:
    body = await _json_body(request)
    service = request.app[SERVICE]
    shown = await _as_holder(
        service.counsellor_typing(
            request.match_info["id"], request["counsellor"]["id"], bool(body.get("typing"))
        )
    )
    return web.json_response({"shown": shown})


@login_required
async def api_note(request: web.Request) -> web.StreamResponse:
    text = _text_field(await _json_body(request))
    service = request.app[SERVICE]
    row = await _as_holder(
        service.add_note(request.match_info["id"], request["counsellor"]["id"], text)
    )
    return web.json_response({"note": {"id": row["id"], "text": row["text"]}}, status=201)


# --- resources ---------------------------------------------------------------------------


def _search_args(asked: Mapping[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """Need and place asked for, the conversation's own by default."""
    from bot.directory.needs import NEED_IDS

    need = str(asked.get("need") or item.get("need") or "").strip()
    if need not in NEED_IDS:
        raise json_error(400, "bad_request", "console.error.search_need")
    place = str(asked.get("place") or "").strip()[:MAX_QUERY]
    text = str(asked.get("q") or "").strip()[:MAX_QUERY] or None
    return {"need": need, "place": place or item.get("municipality"), "text": text}


async def _search(request: web.Request, item: dict[str, Any], args: dict[str, Any]) -> Any:
    """`bot.search.search`, the assistant's own, in a thread (the person's language)."""
    from bot.search.engine import PlaceNotFound, search
    from bot.web.api_search import SEARCH_STATE

    if not args["place"]:
        raise json_error(400, "bad_request", "console.error.search_place")
    index = await request.app[SEARCH_STATE].get(request.app)
    run = functools.partial(search, args["need"], place=args["place"], text=args["text"],
                            language=item["language"], limit=SEARCH_LIMIT, index=index)  # fmt: skip
    try:
        return await asyncio.get_running_loop().run_in_executor(None, run)
    except PlaceNotFound:
        raise json_error(400, "bad_request", "console.error.search_place") from None


def _place_label(result: Any, asked: str) -> str:
    """How the search understood the place: "Verdun (Montréal)", "Laval"."""
    from bot.web.console_view import municipality_name, place_text

    found = result.place or {}
    if found.get("code_geo"):
        return (
            place_text({"municipality": found["code_geo"], "borough": found.get("borough")})
            or asked
        )
    return found.get("name") or municipality_name(asked) or asked


@login_required
async def api_search(request: web.Request) -> web.StreamResponse:
    """Directory search from the console, need and place prefilled from the conversation."""
    from bot.web.console_view import need_text, service_line

    item = await _escalation_or_404(request)
    language = page_language(request)
    args = _search_args(request.query, item)
    result = await _search(request, item, args)
    hits = [
        {**service_line(hit.as_dict(), language), "service_id": hit.service_id}
        for hit in result.hits
    ]
    return web.json_response(
        {"need": args["need"], "need_label": need_text(args["need"], language),
         "place": _place_label(result, str(args["place"])), "hits": hits}
    )  # fmt: skip


@login_required
async def api_send_card(request: web.Request) -> web.StreamResponse:
    """Send the chosen services to the person as resource cards (the results payload)."""
    from bot.handoff.console_service import card_payload

    body = await _json_body(request)
    item = await _escalation_or_404(request)
    ids = clean_ids(body.get("service_ids"), limit=5)
    if not ids:
        raise json_error(400, "bad_request", "console.error.bad_request")
    args = _search_args(body, item)
    result = await _search(request, item, args)
    chosen = [hit for hit in result.hits if hit.service_id in ids]
    if not chosen:
        raise json_error(400, "bad_request", "console.error.bad_request")
    place = _place_label(result, str(args["place"]))
    payload = card_payload(chosen, args["need"], item["language"], place)
    row = await _as_holder(
        request.app[SERVICE].send_card(item["id"], request["counsellor"]["id"], payload)
    )
    return web.json_response({"message": public_message(row)}, status=201)


# --- transfer, closing ---------------------------------------------------------------------


@login_required
async def api_counsellors(request: web.Request) -> web.StreamResponse:
    """Who a conversation can be transferred to: the other active counsellors online."""
    service = request.app[SERVICE]
    me = request["counsellor"]["id"]
    online = await service.presence.online()
    people = [
        {"id": c["id"], "name": c["name"]}
        for c in await service.store.counsellors()
        if c["active"] and c["id"] != me and c["id"] in online
    ]
    return web.json_response({"items": people})


@login_required
async def api_transfer(request: web.Request) -> web.StreamResponse:
    body = await _json_body(request)
    try:
        target = int(str(body.get("to")))
    except (TypeError, ValueError):
        raise json_error(400, "bad_request", "console.error.bad_request") from None
    service = request.app[SERVICE]
    if not await service.transfer(request.match_info["id"], request["counsellor"]["id"], target):
        raise json_error(409, "not_yours", "console.error.transfer")
    return web.json_response({"transferred": request.match_info["id"], "to": target})


@login_required
async def api_close(request: web.Request) -> web.StreamResponse:
    """Close with the outcome, the needs confirmed, the referrals and the unmet needs (an
    anonymous contact record, `bot.handoff.workspace`)."""
    from bot.directory.needs import NEED_IDS

    body = await _json_body(request)
    outcome = str(body.get("outcome") or "")
    if outcome not in OUTCOMES:
        raise json_error(400, "bad_request", "console.error.bad_outcome")
    record = {
        "needs": clean_ids(body.get("needs"), NEED_IDS),
        "referrals": clean_ids(body.get("referrals")),
        "unmet_needs": clean_ids(body.get("unmet_needs"), NEED_IDS),
    }
    return await _finish(request, outcome, record)


@login_required
async def api_handback(request: web.Request) -> web.StreamResponse:
    return await _finish(request, RETURNED, None)


async def _finish(
    request: web.Request, outcome: str, record: dict[str, list[str]] | None
) -> web.StreamResponse:
    service = request.app[SERVICE]
    item = await _escalation_or_404(request)
    if not await service.close(item["id"], request["counsellor"]["id"], outcome):
        raise json_error(409, "not_yours", "console.error.not_yours")
    if record is None:
        record = {"needs": list(item.get("needs") or []), "referrals": [], "unmet_needs": []}
    await service.workspace.record_contact(item, outcome, **record)
    await record_stats(request, item, outcome, record["unmet_needs"])
    return web.json_response({"closed": item["id"], "outcome": outcome})


async def record_stats(
    request: web.Request, item: dict[str, Any], outcome: str, unmet_needs: list[str]
) -> None:
    """The contact's answer, waiting time, outcome and unmet needs, on the person's
    conversation in the needs statistics (`bot.stats`)."""
    import asyncio

    from bot.stats.events import keyed
    from bot.stats.store import record_handoff
    from bot.stats.web import ENGINE

    claimed = item.get("claimed_at")
    wait = int(float(claimed) - float(item["created_at"])) if claimed else None
    sender_key = keyed(request.app[SECRET], item["sender_id"])
    engine = request.app[ENGINE]

    def write() -> None:
        with engine.begin() as conn:
            record_handoff(conn, sender_key, answered=claimed is not None, wait=wait,
                           outcome=outcome, unmet_needs=unmet_needs)  # fmt: skip

    await asyncio.to_thread(write)


# --- callbacks -----------------------------------------------------------------------------


@login_required
async def api_callbacks(request: web.Request) -> web.StreamResponse:
    language = page_language(request)
    rows = await request.app[SERVICE].store.callbacks("open")
    return web.json_response({"items": [public_callback(r, language) for r in rows]})


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


# --- canned responses ----------------------------------------------------------------------


@login_required
async def api_canned(request: web.Request) -> web.StreamResponse:
    rows = await request.app[SERVICE].workspace.canned()
    items = [{k: r[k] for k in ("id", "shortcut", "language", "text")} for r in rows]
    editable = roles.has_role(request["counsellor"], roles.STAFF)
    return web.json_response({"items": items, "editable": editable})


@role_required(roles.STAFF)
async def api_save_canned(request: web.Request) -> web.StreamResponse:
    body = await _json_body(request)
    raw_id = request.match_info.get("canned_id")
    try:
        row = await request.app[SERVICE].workspace.save_canned(
            str(body.get("shortcut") or ""), str(body.get("language") or ""),
            str(body.get("text") or ""), request["counsellor"]["id"],
            int(raw_id) if raw_id and raw_id.isdigit() else None,
        )  # fmt: skip
    except CannedError as error:
        status = 404 if error.key == "console.error.not_found" else 400
        raise json_error(status, "bad_request", error.key) from None
    return web.json_response({"item": {k: row[k] for k in ("id", "shortcut", "language",
                                                          "text")}}, status=201)  # fmt: skip


@role_required(roles.STAFF)
async def api_delete_canned(request: web.Request) -> web.StreamResponse:
    raw_id = request.match_info["canned_id"]
    if not raw_id.isdigit() or not await request.app[SERVICE].workspace.delete_canned(int(raw_id)):
        raise json_error(404, "not_found", "console.error.not_found")
    return web.json_response({"deleted": int(raw_id)})


def setup_routes(app: web.Application) -> None:
    api = f"{PREFIX}/api"
    one = f"{api}/escalations/{{id}}"
    app.router.add_get(f"{api}/queue", api_queue)
    app.router.add_get(one, api_escalation)
    app.router.add_post(f"{one}/claim", api_claim)
    app.router.add_post(f"{one}/messages", api_message)
    app.router.add_post(f"{one}/typing", api_typing)
    app.router.add_post(f"{one}/notes", api_note)
    app.router.add_get(f"{one}/search", api_search)
    app.router.add_post(f"{one}/cards", api_send_card)
    app.router.add_post(f"{one}/transfer", api_transfer)
    app.router.add_post(f"{one}/close", api_close)
    app.router.add_post(f"{one}/handback", api_handback)
    app.router.add_get(f"{api}/counsellors", api_counsellors)
    app.router.add_get(f"{api}/callbacks", api_callbacks)
    app.router.add_post(f"{api}/callbacks/{{id}}/close", api_close_callback)
    app.router.add_get(f"{api}/canned", api_canned)
    app.router.add_post(f"{api}/canned", api_save_canned)
    app.router.add_post(f"{api}/canned/{{canned_id}}", api_save_canned)
    app.router.add_post(f"{api}/canned/{{canned_id}}/delete", api_delete_canned)
