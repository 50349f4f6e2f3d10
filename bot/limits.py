"""Rate limits: sliding windows behind a small interface, in memory or in Redis.

`MemoryLimiter` keeps, per key, the times of the hits still inside the window; it serves one
process (the default: one web app). `RedisLimiter` keeps the same window as a sorted set per
key in Redis (`RELAIS_REDIS_URL`), changed by one Lua script so that hits arriving at several
web apps at once are counted once each and the answers are those of one process.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import redis

from bot.redis_state import LoopClient
from bot.redis_state import key as redis_key

log = logging.getLogger(__name__)

SLIDING_WINDOW = """
if redis.replicate_commands then redis.replicate_commands() end -- Redis < 5: TIME, then writes
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(tonumber(oldest[2]) + window - now, 1)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""
"""KEYS[1] the key's window (member: one hit, score: its time in ms, Redis's clock);
ARGV limit, window (ms), a unique member. Returns 0 (hit counted) or the ms to wait."""


class Limiter(Protocol):
    """Counts hits per key over a sliding window."""

    async def hit(self, key: str, limit: int, window: float) -> float:
        """Record one hit for `key` if allowed: 0.0 when allowed, else the seconds to wait."""
        ...


class MemoryLimiter:
    """A sliding-window log per key, in this process's memory."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self.clock = clock
        self.max_keys = max_keys
        self.hits: dict[str, deque[float]] = {}
        self.windows: dict[str, float] = {}
        self._last_sweep = clock()

    async def hit(self, key: str, limit: int, window: float) -> float:
        return self.hit_now(key, limit, window)

    def hit_now(self, key: str, limit: int, window: float) -> float:
        """`hit`, synchronously (no I/O in memory)."""
        now = self.clock()
        self._sweep(now, window)
        times = self.hits.setdefault(key, deque())
        self.windows[key] = window
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) >= limit:
            return max(times[0] + window - now, 0.001)
        times.append(now)
        return 0.0

    def _sweep(self, now: float, window: float) -> None:
        """Forget idle keys now and then, so memory follows the active senders only."""
        if now - self._last_sweep < window and len(self.hits) < self.max_keys:
            return
        self._last_sweep = now
        idle = [
            key
            for key, times in self.hits.items()
            if not times or times[-1] <= now - self.windows.get(key, window)
        ]
        for key in idle:
            del self.hits[key]
            self.windows.pop(key, None)


class RedisLimiter:
    """The sliding window of `MemoryLimiter`, shared by every process on one Redis.

    Redis unreachable: the hit is allowed and a warning logged. A limit protects the service
    from floods; refusing everyone while Redis restarts would refuse people in crisis too.
    """

    def __init__(self, url: str, prefix: str) -> None:
        self.client = LoopClient(url)
        self.prefix = prefix

    async def hit(self, key: str, limit: int, window: float) -> float:
        client = self.client.get()
        try:
            wait_ms = await client.eval(
                SLIDING_WINDOW,
                1,
                redis_key(self.prefix, "limit", key),
                int(limit),
                max(1, int(window * 1000)),
                secrets.token_hex(8),
            )
        except (redis.RedisError, OSError) as error:
            log.warning("rate limit not counted, Redis failed: %s", error)
            return 0.0
        return int(wait_ms) / 1000

    async def aclose(self) -> None:
        await self.client.aclose()


def retry_after(seconds: float) -> str:
    """The `Retry-After` header value: whole seconds, at least 1."""
    return str(max(1, int(seconds + 0.999)))
