"""Rate limits: sliding windows behind a small interface, so Redis can back them later.

`MemoryLimiter` keeps, per key, the times of the hits still inside the window; it serves one
process (the web app's proxy, the action server). A Redis limiter would implement the same
`hit` with a sorted set per key (ZADD, ZREMRANGEBYSCORE, ZCARD in one MULTI).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol


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


def retry_after(seconds: float) -> str:
    """The `Retry-After` header value: whole seconds, at least 1."""
    return str(max(1, int(seconds + 0.999)))
