"""Who is typing in the widget right now, for the counsellor's console.

The widget tells the Rasa server its socket is connected to (`user_typing`); the console's web
app asks its own Rasa server (`GET /webhooks/socketio/typing`). With one instance both are the
same process and a dict will do. With several, the person's socket may be on another server
than the console's, so the marks live in Redis (`<RELAIS_REDIS_PREFIX>:typing:<sender id>`,
expiring after `TYPING_FRESH` seconds) and every server sees every mark.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

import redis

from bot.redis_state import LoopClient, key

log = logging.getLogger(__name__)

TYPING_FRESH = 6.0
"""Seconds a `user_typing` counts as "typing now"."""
MAX_MARKS = 10_000
"""Marks kept in memory at most (a flood of made-up session ids cannot grow it further)."""


class TypingBoard(Protocol):
    async def mark(self, sender_id: str) -> None:
        """`sender_id` is typing now."""

    async def typing(self, asked: list[str]) -> list[str]:
        """Those of `asked` who typed within the last `TYPING_FRESH` seconds, in order."""


class LocalTypingBoard:
    """This process's marks: enough when one Rasa server serves every socket."""

    def __init__(self) -> None:
        self.typed_at: dict[str, float] = {}

    async def mark(self, sender_id: str) -> None:
        if len(self.typed_at) < MAX_MARKS or sender_id in self.typed_at:
            self.typed_at[sender_id] = time.monotonic()

    async def typing(self, asked: list[str]) -> list[str]:
        now = time.monotonic()
        for sender, at in list(self.typed_at.items()):
            if now - at > TYPING_FRESH:
                del self.typed_at[sender]
        return [sender for sender in asked if sender in self.typed_at]


class RedisTypingBoard:
    """Marks every Rasa server sees: one expiring key per person typing."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client = LoopClient(url)
        self.prefix = prefix

    def _key(self, sender_id: str) -> str:
        return key(self.prefix, "typing", sender_id)

    async def mark(self, sender_id: str) -> None:
        try:
            await self.client.get().set(self._key(sender_id), 1, px=int(TYPING_FRESH * 1000))
        except redis.RedisError as error:  # a typing mark is not worth failing anything for
            log.warning("Typing mark not recorded (Redis: %s)", error)

    async def typing(self, asked: list[str]) -> list[str]:
        """(Redis unreachable: nobody is shown typing, the console goes on.)"""
        if not asked:
            return []
        try:
            found = await self.client.get().mget([self._key(sender) for sender in asked])
        except redis.RedisError as error:
            log.warning("Who is typing not read (Redis: %s)", error)
            return []
        return [sender for sender, mark in zip(asked, found, strict=True) if mark is not None]


def typing_board(redis_url: str, prefix: str) -> TypingBoard:
    """Shared through Redis when several instances run (`RELAIS_REDIS_URL`), else local."""
    return RedisTypingBoard(redis_url, prefix) if redis_url else LocalTypingBoard()
