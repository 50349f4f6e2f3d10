"""Redis for the state several instances of a process must share (`RELAIS_REDIS_URL`).

One process alone keeps its limits, SMS queues and console presence in memory; with several
web apps or Rasa servers behind a balancer, each would see only its own share. When
`RELAIS_REDIS_URL` is set, those live here instead, every key under `RELAIS_REDIS_PREFIX`:

    <prefix>:limit:<key>                 rate-limit windows (`bot.limits.RedisLimiter`)
    <prefix>:sms:order:<sender id>       SMS per-phone order (`bot.channels.sms_order`)
    <prefix>:handoff:events              console events, pub/sub (`bot.handoff.shared`)
    <prefix>:handoff:presence:<id>       open consoles per counsellor
    <prefix>:handoff:relay               the handoff relay's pass lock
    <prefix>:typing:<sender id>          a person typing in the widget (`bot.channels.typing_board`)

Without the URL nothing here is used: the single-instance default needs no Redis.
A client is bound to the event loop that made it, so each user opens its own lazily.
"""

from __future__ import annotations

import asyncio
import secrets

import redis.asyncio

RELEASE_IF_MINE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
"""Delete a lock key only if it still holds the caller's token (a late holder frees nothing)."""


def key(prefix: str, *parts: str) -> str:
    """`<prefix>:part:part…`: every key of this installation starts with its prefix."""
    return ":".join((prefix, *parts))


class LoopClient:
    """One asyncio Redis client per event loop, opened on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: tuple[asyncio.AbstractEventLoop, redis.asyncio.Redis] | None = None

    def get(self) -> redis.asyncio.Redis:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client[0] is not loop:
            self._client = (loop, redis.asyncio.Redis.from_url(self.url, socket_timeout=5))
        return self._client[1]

    async def aclose(self) -> None:
        if self._client is not None and self._client[0] is asyncio.get_running_loop():
            await self._client[1].close(close_connection_pool=True)
        self._client = None


class PassLock:
    """A lock for one pass of a periodic job run by every instance (the handoff relay): at
    most one instance works at a time; a holder that dies frees it after `ttl` seconds."""

    def __init__(self, client: LoopClient, name: str, ttl: float = 30.0) -> None:
        self.client = client
        self.name = name
        self.ttl_ms = max(1, int(ttl * 1000))

    async def acquire(self) -> str | None:
        """A token when this instance may run the pass now, else None."""
        token = secrets.token_hex(8)
        took = await self.client.get().set(self.name, token, nx=True, px=self.ttl_ms)
        return token if took else None

    async def release(self, token: str) -> None:
        await self.client.get().eval(RELEASE_IF_MINE, 1, self.name, token)
