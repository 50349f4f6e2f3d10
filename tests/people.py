"""People talking to the assistant in end-to-end tests, over the channels they really use.

REST is `bot.ops.rasa_client.RasaClient`, SMS is `bot.ops.sms_sandbox.Phone`; this is the web
widget's channel, socket.io (as the widget speaks it: a session room, `user_uttered` /
`bot_uttered`).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import socketio


class SocketPerson:
    """A person in the web widget: Rasa's socket.io channel, every bot message kept."""

    def __init__(self, url: str, transports: tuple[str, ...] = ("polling",)) -> None:
        self.url = url
        self.transports = list(transports)
        self.session_id = f"e2e-{uuid.uuid4().hex[:10]}"
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: list[dict[str, Any]] = []
        self.client.on("bot_uttered", self._on_bot)

    async def _on_bot(self, data: dict[str, Any]) -> None:
        self.received.append(data)

    async def connect(self) -> None:
        confirmed = asyncio.Event()
        self.client.on("session_confirm", lambda *_: confirmed.set())
        await self.client.connect(self.url, socketio_path="/socket.io", transports=self.transports)
        await self.client.emit("session_request", {"session_id": self.session_id})
        await asyncio.wait_for(confirmed.wait(), 10)

    async def say(self, text: str, metadata: dict[str, Any] | None = None) -> None:
        data: dict[str, Any] = {"message": text, "session_id": self.session_id}
        if metadata:
            data["metadata"] = metadata
        await self.client.emit("user_uttered", data)

    async def expect(self, fragment: str, timeout: float = 30) -> dict[str, Any]:
        """Wait for a bot message containing `fragment`; returns it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.received:
                if fragment in (message.get("text") or ""):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                seen = [m.get("text") for m in self.received]
                raise AssertionError(f"no bot message with {fragment!r}; got {seen}")
            await asyncio.sleep(0.1)

    def count(self, fragment: str) -> int:
        return sum(fragment in (m.get("text") or "") for m in self.received)
