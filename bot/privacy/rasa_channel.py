"""Erasure inside the Rasa process: credentials key `bot.privacy.rasa_channel.PrivacyInput`.

Rasa's tracker store (`bot.runtime.tracker_store.RelaisTrackerStore`) keeps the live
conversations in memory: deleting their rows from another process would leave the copy in
memory to be served (the widget's history, the counsellor's transcript) and to be written
back. So erasure of conversations happens here, in the process that owns that memory, under
Rasa's own lock of each conversation (a turn in progress finishes first):

- `POST /webhooks/relais_privacy/forget` `{"sender_ids": [...]}` → `{"events": n}`;
- `POST /webhooks/relais_privacy/purge` `{"before": epoch}`: every conversation whose last
  event is older → `{"conversations": k, "events": n}`.

Both need the Rasa API token (`Authorization: Bearer …`, as Rasa's own API). Rasa creates
channels at start, so this is also where the Rasa process gets its log redaction on Sanic's
loggers (`bot.privacy.log_filter`).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from . import scrub, tracker_rows
from .log_filter import install_everywhere

log = logging.getLogger(__name__)


def authorized(request: Request, token: str) -> bool:
    given = request.headers.get("Authorization", "")
    given = given[7:] if given.startswith("Bearer ") else request.args.get("token", "")
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def sql_store(agent: Any) -> Any:
    """The SQL tracker store behind Rasa's wrapper (None for another kind of store)."""
    store = getattr(agent, "tracker_store", None)
    store = getattr(store, "_tracker_store", store)
    return store if hasattr(store, "engine") else None


async def forget_conversations(agent: Any, sender_ids: list[str]) -> int:
    """Delete the conversations' events under Rasa's lock of each, and their copy in memory."""
    store = sql_store(agent)
    if store is None:
        raise RuntimeError("the tracker store is not an SQL store")
    removed = 0
    for sender_id in sender_ids:
        async with agent.lock_store.lock(sender_id):
            removed += await asyncio.to_thread(
                tracker_rows.delete_conversations, store.engine, [sender_id]
            )
            evict = getattr(store, "evict", None)
            if evict is not None:
                evict(sender_id)
    broker: Any = getattr(store, "event_broker", None)
    if sender_ids and hasattr(broker, "forget") and hasattr(broker, "flush"):
        # the statistics broker: no live facts left, its queued writes landed, so that the
        # erasure's unlinking of the statistics (`bot.stats.store.unlink`) finds them all
        for sender_id in sender_ids:
            broker.forget(sender_id)
        await asyncio.to_thread(broker.flush)
    if sender_ids:
        await asyncio.to_thread(scrub.scrub, store.engine)
    return removed


class PrivacyInput(InputChannel):
    """Not a way to talk to the bot: the erasure endpoints of the Rasa process."""

    @classmethod
    def name(cls) -> str:
        return "relais_privacy"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        install_everywhere()
        hook = Blueprint("relais_privacy_webhook", __name__)
        token = os.environ.get("RELAIS_RASA_TOKEN", "")

        @hook.listener("after_server_start")
        async def redact_logs(*_: Any) -> None:
            install_everywhere()  # Sanic configured its loggers since

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def guarded(request: Request) -> tuple[Any, dict[str, Any]] | HTTPResponse:
            if not authorized(request, token):
                return response.json({"error": "unauthorized"}, status=401)
            agent = getattr(request.app.ctx, "agent", None)
            if sql_store(agent) is None:
                return response.json({"error": "no SQL tracker store"}, status=503)
            body = request.json if isinstance(request.json, dict) else {}
            return agent, body

        @hook.route("/forget", methods=["POST"])
        async def forget(request: Request) -> HTTPResponse:
            checked = await guarded(request)
            if isinstance(checked, HTTPResponse):
                return checked
            agent, body = checked
            ids = [str(i) for i in body.get("sender_ids") or [] if isinstance(i, str) and i]
            removed = await forget_conversations(agent, ids)
            log.info("Privacy: %d conversation(s) erased, %d event(s)", len(ids), removed)
            return response.json({"conversations": len(ids), "events": removed})

        @hook.route("/purge", methods=["POST"])
        async def purge(request: Request) -> HTTPResponse:
            checked = await guarded(request)
            if isinstance(checked, HTTPResponse):
                return checked
            agent, body = checked
            before = float(body.get("before") or 0)
            engine = sql_store(agent).engine
            ids = await asyncio.to_thread(tracker_rows.stale_conversations, engine, before)
            removed = await forget_conversations(agent, ids)
            log.info("Privacy: %d stale conversation(s) purged, %d event(s)", len(ids), removed)
            return response.json({"conversations": len(ids), "events": removed})

        return hook
