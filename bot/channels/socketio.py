"""The web widget's socket.io channel: Rasa's, with custom payloads sent as they are.

Rasa 3.6's `SocketIOOutput.send_custom_json` calls `sio.emit(event, **payload)`, so a payload
such as the results (`{"type": "service_results", …}`) raises TypeError and the widget never
gets them; and its `SocketIOInput.blueprint` builds the socket.io server inline, so neither
the output nor the server can be swapped; with `RELAIS_REDIS_URL` the server shares rooms
across instances through Redis (`bot.channels.socketio_redis`).
`RelaisSocketIOInput` keeps Rasa's protocol (`session_request` / `session_confirm`,
`user_uttered` / `bot_uttered`, session rooms, the `socketio` channel name) and owns both.
It is named in `credentials.yml`, so plain `rasa run` uses it too.

Typing, both ways, while a counsellor holds the conversation (it never enters the tracker):
the widget emits `user_typing` (a few times a minute at most) and the console's web app asks
`GET /webhooks/socketio/typing?senders=…` who typed lately; the web app posts
`POST /webhooks/socketio/typing` when the counsellor types, which emits `counsellor_typing`
to the person's room. Both routes need Rasa's API token (`RELAIS_RASA_TOKEN`). Who typed is
kept on a board every instance shares when there are several (`bot.channels.typing_board`).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.socketio_redis import RelaisRedisManager
from bot.channels.typing_board import typing_board
from bot.runtime.resent import user_message

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 10_000
"""Longer messages are cut: nobody types more into a chat box, and Rasa parses every char."""
MAX_TYPING_SENDERS = 200
TYPING_EVENT = "counsellor_typing"


def _token_ok(request: Request) -> bool:
    """Whether the request carries Rasa's API token (the web app's; never the widget's)."""
    expected = os.environ.get("RELAIS_RASA_TOKEN") or ""
    given = str(request.args.get("token") or "")
    return bool(expected) and hmac.compare_digest(expected, given)


class RelaisSocketIOOutput(SocketIOOutput):
    """Emits a custom payload as the event's data (`{"data": X}` emits X, as Rasa does)."""

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        message = dict(json_message)
        room = message.pop("room", recipient_id)
        payload = message["data"] if set(message) == {"data"} else message
        await self.sio.emit(self.bot_message_evt, payload, room=room)


def redis_location() -> tuple[str, str]:
    """(`RELAIS_REDIS_URL`, `RELAIS_REDIS_PREFIX`): Redis shared by the instances, if any."""
    return os.environ.get("RELAIS_REDIS_URL") or "", os.environ.get(
        "RELAIS_REDIS_PREFIX"
    ) or "relais"


def _metadata(value: Any) -> dict[str, Any]:
    """The message metadata as a dict (a JSON string is parsed; anything else is dropped)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


class RelaisSocketIOInput(SocketIOInput):
    """Rasa's socket.io input channel with its own server and output."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def new_server(self) -> AsyncServer:
        """The socket.io server (origins are checked by the web application in front).

        With `RELAIS_REDIS_URL`, every emit goes through Redis (`AsyncRedisManager`, on the
        channel `<RELAIS_REDIS_PREFIX>:socketio`), so a message for a person's room reaches
        them whichever Rasa server their socket is connected to (a counsellor's message sent
        through another instance); without, rooms are this process's alone."""
        url, prefix = redis_location()
        if not url:
            return AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        manager = RelaisRedisManager(url, channel=f"{prefix}:socketio", logger=log)
        return AsyncServer(async_mode="sanic", cors_allowed_origins=[], client_manager=manager)

    def get_output_channel(self) -> RelaisSocketIOOutput | None:
        if self.sio is None:
            return None
        return RelaisSocketIOOutput(self.sio, self.bot_message_evt)

    def _authorized(self, auth: dict[str, Any] | None) -> bool:
        if not self.jwt_key:
            return True
        token = (auth or {}).get("token")
        return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = self.new_server()
        self.sio = sio
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        board = typing_board(*redis_location())

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @socketio_webhook.route("/typing", methods=["GET"])
        async def who_is_typing(request: Request) -> HTTPResponse:
            if not _token_ok(request):
                return response.json({"error": "unauthorized"}, status=401)
            asked = str(request.args.get("senders") or "").split(",")[:MAX_TYPING_SENDERS]
            return response.json({"typing": await board.typing([s for s in asked if s])})

        @socketio_webhook.route("/typing", methods=["POST"])
        async def counsellor_typing(request: Request) -> HTTPResponse:
            if not _token_ok(request):
                return response.json({"error": "unauthorized"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            sender = body.get("sender_id")
            if not isinstance(sender, str) or not sender:
                return response.json({"error": "bad_request"}, status=400)
            payload = {"typing": bool(body.get("typing")), "name": str(body.get("name") or "")}
            await sio.emit(TYPING_EVENT, payload, room=sender, namespace=self.namespace)
            return response.json({"ok": True})

        @sio.on("user_typing", namespace=self.namespace)
        async def user_typing(sid: str, data: Any = None) -> None:
            sender = data.get("session_id") if isinstance(data, dict) else None
            if not isinstance(sender, str) or not 0 < len(sender) <= 128:
                return
            await board.mark(sender)

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            return self._authorized(auth)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not session_id or len(session_id) > 128:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            if not isinstance(data, dict):
                log.warning("socket.io: a %s event without a message was ignored", type(data))
                return
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not isinstance(sender_id, str) or not sender_id:
                    log.warning("socket.io: a message without a session id was ignored")
                    return
            else:
                sender_id = sid
            text = data.get("message")
            text = text if isinstance(text, str) else ""
            metadata = _metadata(data.get(self.metadata_key))
            message = user_message(
                text[:MAX_MESSAGE_CHARS],
                RelaisSocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                self.name(),
                metadata,
            )
            await on_new_message(message)

        return socketio_webhook
