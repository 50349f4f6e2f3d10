"""What the web apps running the console share: events for open consoles, who is online,
and whose turn it is to run the relay.

One web app (the default) keeps all three in memory: `LocalHub`, `Presence`, no pass lock.
Several web apps behind a balancer (`RELAIS_REDIS_URL`) each hold some of the consoles'
websockets and all run the relay, so in memory each would be wrong:
- an event (a person's message stored by the relay of app B, a transfer made on app B) would
  reach only B's consoles, never the counsellor whose console is open on app A: `RedisHub`
  publishes every event on one Redis channel that every app relays to its own consoles;
- app B would see no console of a counsellor connected to A and, after the grace period,
  hand that counsellor's conversations back to the bot: `RedisPresence` keeps, per counsellor
  and app, the last time a console was seen (refreshed on every relay pass);
- two relay passes at once would announce a place in line twice or post a resume twice: a
  `PassLock` lets one app at a time run a pass, and an in-flight mark per resume keeps a
  resume posted by one app's request from being posted again by another's relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import redis

from bot.redis_state import LoopClient, PassLock, key

log = logging.getLogger(__name__)

Listener = Callable[[dict[str, Any]], Awaitable[None]]
PRESENCE_TTL = 15.0
"""Seconds after its last sign of life that an app's consoles stop counting (a dead app)."""
INFLIGHT_TTL = 30.0
"""Seconds a delivery marked in flight by one app is left to it (longer than a Rasa call)."""


class LocalHub:
    """Consoles open in this process; `publish` reaches them all (one web app)."""

    def __init__(self) -> None:
        self.listeners: set[Listener] = set()

    async def publish(self, payload: dict[str, Any]) -> None:
        await self.deliver(payload)

    async def deliver(self, payload: dict[str, Any]) -> None:
        """Send `payload` to this process's consoles (a dead one is dropped by its handler)."""
        for listener in list(self.listeners):
            try:
                await listener(payload)
            except Exception:  # a closing socket must not stop the others
                log.debug("listener failed", exc_info=True)

    async def subscribe(self) -> None:
        """Nothing to subscribe to."""

    async def run(self, stop: asyncio.Event) -> None:
        """Nothing to relay from elsewhere."""


class RedisHub(LocalHub):
    """Events published on a Redis channel; every web app delivers them to its consoles."""

    def __init__(self, client: LoopClient, channel: str) -> None:
        super().__init__()
        self.client = client
        self.channel = channel
        self._pubsub: Any = None

    async def publish(self, payload: dict[str, Any]) -> None:
        """On Redis, so every app's consoles get it; Redis down: this app's consoles only
        (the consoles elsewhere catch up from the queue snapshot when they reconnect)."""
        try:
            await self.client.get().publish(self.channel, json.dumps(payload, default=str))
        except (redis.RedisError, OSError) as error:
            log.warning("console event not shared, Redis failed: %s", error)
            await self.deliver(payload)

    async def subscribe(self) -> None:
        """Subscribe before the app serves anyone: no event published once it is up is lost."""
        pubsub = self.client.get().pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
        except (redis.RedisError, OSError) as error:
            log.warning("console events from other web apps not received yet: %s", error)
            await pubsub.close()
            return
        self._pubsub = pubsub

    async def run(self, stop: asyncio.Event) -> None:
        """Relay the channel to this app's consoles until `stop`, subscribing again after a
        Redis failure."""
        while not stop.is_set():
            pubsub, self._pubsub = self._pubsub, None
            pubsub = pubsub or self.client.get().pubsub(ignore_subscribe_messages=True)
            try:
                if not pubsub.subscribed:
                    await pubsub.subscribe(self.channel)
                while not stop.is_set():
                    message = await pubsub.get_message(timeout=0.5)
                    if message and message.get("type") == "message":
                        await self.deliver(json.loads(message["data"]))
            except (redis.RedisError, OSError, ValueError) as error:
                log.warning("console events from other web apps interrupted: %s", error)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.close()


class PresenceBook(Protocol):
    """Which counsellors have a console open, and since when one has been gone."""

    async def connected(self, counsellor_id: int) -> bool: ...
    async def disconnected(self, counsellor_id: int) -> bool: ...
    async def absent_for(self, counsellor_id: int) -> float: ...
    async def online(self) -> set[int]: ...
    async def heartbeat(self) -> None: ...


class RedisPresence:
    """Open consoles per counsellor and web app, in Redis: one sorted set (member
    `<counsellor>:<app>`, score: the last time that app saw a console of the counsellor) and
    one hash (counsellor → when their last console closed). Times are wall-clock seconds of
    the web apps (keep their clocks in sync, NTP)."""

    def __init__(
        self,
        client: LoopClient,
        prefix: str,
        clock: Callable[[], float] = time.time,
        ttl: float = PRESENCE_TTL,
    ) -> None:
        self.client = client
        self.seen_key = key(prefix, "handoff", "presence")
        self.gone_key = key(prefix, "handoff", "presence_gone")
        self.clock = clock
        self.ttl = ttl
        self.app = secrets.token_hex(6)
        self.started = clock()
        self.sockets: dict[int, int] = {}

    def _member(self, counsellor_id: int) -> str:
        return f"{counsellor_id}:{self.app}"

    async def _seen(self) -> dict[int, float]:
        """Counsellor → the latest time any app saw one of their consoles."""
        rows = await self.client.get().zrange(self.seen_key, 0, -1, withscores=True)
        latest: dict[int, float] = {}
        for member, score in rows:
            counsellor = int(member.decode().split(":", 1)[0])
            latest[counsellor] = max(latest.get(counsellor, 0.0), float(score))
        return latest

    async def online(self) -> set[int]:
        horizon = self.clock() - self.ttl
        return {c for c, at in (await self._seen()).items() if at > horizon}

    async def connected(self, counsellor_id: int) -> bool:
        """One more console here; True when the counsellor was online nowhere before."""
        was_online = counsellor_id in await self.online()
        self.sockets[counsellor_id] = self.sockets.get(counsellor_id, 0) + 1
        await self.client.get().zadd(self.seen_key, {self._member(counsellor_id): self.clock()})
        return not was_online

    async def disconnected(self, counsellor_id: int) -> bool:
        """One console less here; True when the counsellor has no console open anywhere."""
        count = self.sockets.get(counsellor_id, 0) - 1
        if count > 0:
            self.sockets[counsellor_id] = count
            return False
        self.sockets.pop(counsellor_id, None)
        client = self.client.get()
        await client.zrem(self.seen_key, self._member(counsellor_id))
        await client.hset(self.gone_key, str(counsellor_id), repr(self.clock()))
        return counsellor_id not in await self.online()

    async def absent_for(self, counsellor_id: int) -> float:
        """0 while a console is open in any app; else seconds since the last one was seen
        (at most since this app started, as after a restart)."""
        now = self.clock()
        seen = (await self._seen()).get(counsellor_id, 0.0)
        if seen > now - self.ttl:
            return 0.0
        gone = await self.client.get().hget(self.gone_key, str(counsellor_id))
        since = max(seen, float(gone) if gone else 0.0, self.started)
        return max(0.0, now - since)

    async def heartbeat(self) -> None:
        """This app's consoles are still open (every relay pass)."""
        if self.sockets:
            now = self.clock()
            await self.client.get().zadd(
                self.seen_key, {self._member(c): now for c in self.sockets}
            )


class InFlight(Protocol):
    """Deliveries being made right now, so that no other caller makes them twice."""

    async def take(self, name: str) -> bool: ...
    async def drop(self, name: str) -> None: ...


class LocalInFlight:
    def __init__(self) -> None:
        self.names: set[str] = set()

    async def take(self, name: str) -> bool:
        if name in self.names:
            return False
        self.names.add(name)
        return True

    async def drop(self, name: str) -> None:
        self.names.discard(name)


class RedisInFlight:
    """`SET NX` with an expiry: a web app that dies mid-delivery frees it after the TTL."""

    def __init__(self, client: LoopClient, prefix: str, ttl: float = INFLIGHT_TTL) -> None:
        self.client = client
        self.prefix = key(prefix, "handoff", "inflight")
        self.ttl_ms = int(ttl * 1000)

    async def take(self, name: str) -> bool:
        return bool(
            await self.client.get().set(key(self.prefix, name), "1", nx=True, px=self.ttl_ms)
        )

    async def drop(self, name: str) -> None:
        await self.client.get().delete(key(self.prefix, name))


class Shared:
    """The four pieces one `HandoffService` uses, in memory or on Redis."""

    def __init__(
        self,
        hub: LocalHub,
        presence: PresenceBook,
        inflight: InFlight,
        pass_lock: PassLock | None = None,
        client: LoopClient | None = None,
    ) -> None:
        self.hub = hub
        self.presence = presence
        self.inflight = inflight
        self.pass_lock = pass_lock
        self.client = client

    @classmethod
    def in_memory(cls) -> Shared:
        from .service import Presence

        return cls(LocalHub(), Presence(), LocalInFlight())

    @classmethod
    def on_redis(cls, url: str, prefix: str, poll_interval: float = 1.0) -> Shared:
        """`poll_interval`: the relay's, which is also how often presence is refreshed."""
        client = LoopClient(url)
        return cls(
            RedisHub(client, key(prefix, "handoff", "events")),
            RedisPresence(client, prefix, ttl=max(PRESENCE_TTL, 3 * poll_interval)),
            RedisInFlight(client, prefix),
            PassLock(client, key(prefix, "handoff", "relay")),
            client,
        )

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()
