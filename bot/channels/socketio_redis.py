"""socket.io rooms across several Rasa servers: python-socketio's Redis manager, local first.

python-socketio's `AsyncRedisManager` sends every emit through Redis, even to a socket of
this very process, and starts listening only after the first connection: the first
`session_confirm` of a process can be published before it listens (the widget then waits
for ever), and while Redis is unreachable no message reaches anyone, not even the people
connected to the server that sends it. `RelaisRedisManager` delivers to this process's
sockets at once and publishes for the other servers only (each skips its own messages), so
one instance needs Redis only to reach the people connected to another one.
"""

from __future__ import annotations

from typing import Any

from socketio import AsyncRedisManager
from socketio.asyncio_manager import AsyncManager


class RelaisRedisManager(AsyncRedisManager):
    """`AsyncRedisManager` that emits locally, then through Redis for the other servers."""

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None = None,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None or kwargs.get("ignore_queue"):
            await super().emit(
                event, data, namespace=namespace, room=room, skip_sid=skip_sid,
                callback=callback, **kwargs,
            )  # fmt: skip
            return
        namespace = namespace or "/"
        await AsyncManager.emit(self, event, data, namespace, room=room, skip_sid=skip_sid)
        if room is not None and self.is_connected(room, namespace):
            return  # a socket of this process: nobody else has it
        await self._publish(
            {"method": "emit", "event": event, "data": data, "namespace": namespace,
             "room": room, "skip_sid": skip_sid, "callback": None, "host_id": self.host_id}
        )  # fmt: skip

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("host_id") == self.host_id:
            return  # delivered locally already
        await super()._handle_emit(message)
