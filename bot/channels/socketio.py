"""The web widget's socket.io channel: Rasa's, with custom payloads sent as they are.

Rasa 3.6's `SocketIOOutput.send_custom_json` calls `sio.emit(event, **payload)`, so a payload
such as the results (`{"type": "service_results", …}`) raises TypeError and the widget never
gets them; and its `SocketIOInput.blueprint` builds the socket.io server inline, so neither
the output nor the server (a Redis client manager for several instances) can be swapped.
`RelaisSocketIOInput` keeps Rasa's protocol (`session_request` / `session_confirm`,
`user_uttered` / `bot_uttered`, session rooms, the `socketio` channel name) and owns both.
It is named in `credentials.yml`, so plain `rasa run` uses it too.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 10_000
"""Longer messages are cut: nobody types more into a chat box, and Rasa parses every char."""


class RelaisSocketIOOutput(SocketIOOutput):
    """Emits a custom payload as the event's data (`{"data": X}` emits X, as Rasa does)."""

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        message = dict(json_message)
        room = message.pop("room", recipient_id)
        payload = message["data"] if set(message) == {"data"} else message
        await self.sio.emit(self.bot_message_evt, payload, room=room)


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
        """The socket.io server (origins are checked by the web application in front)."""
        return AsyncServer(async_mode="sanic", cors_allowed_origins=[])

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

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

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
            message = UserMessage(
                text[:MAX_MESSAGE_CHARS],
                RelaisSocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=_metadata(data.get(self.metadata_key)),
            )
            await on_new_message(message)

        return socketio_webhook
