"""`StatsEventBroker`: Rasa's event broker writing the statistics as conversations go.

Rasa streams every new event of a conversation to the broker named in endpoints.yml
(`event_broker: type: bot.stats.broker.StatsEventBroker`) when it saves the tracker. The
broker keeps the facts of the live conversations in memory (`bot.stats.events`), and when a
fact changes it hands the row to a writer thread: `publish` costs a dict update and a queue
put, never a database round trip on the turn's path. The writer coalesces what piled up
(latest facts per conversation win) and writes it in one transaction.

Keys are keyed hashes of the conversation id (`events.keyed`, the server secret): no
conversation id, no text ever reaches the statistics tables.

Several Rasa servers (`RELAIS_REDIS_URL`) each see only the turns of a conversation that
reached them: in memory, a second server would start the conversation again (another key, so
it is counted twice) and write its partial facts over the first's. There the live facts are
kept in Redis instead (`RedisLive`, one small JSON per conversation, expiring after a day);
Rasa's conversation lock runs one turn at a time, so the read-change-write of one conversation
never overlaps with another server's.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections import OrderedDict
from dataclasses import asdict
from typing import Any, Protocol

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.stats.events import Conversation, keyed

log = logging.getLogger(__name__)

LIVE_CONVERSATIONS = 20_000
"""Conversations whose facts stay in memory (a few hundred bytes each)."""
Item = tuple[str, dict[str, Any], dict[str, bool]]
LIVE_TTL = 24 * 3600
"""Seconds a conversation's live facts stay in Redis after its last event."""


class Live(Protocol):
    """The facts of the conversations in progress, by sender id."""

    def get(self, sender_id: str) -> Conversation | None: ...
    def put(self, sender_id: str, found: Conversation) -> None: ...
    def pop(self, sender_id: str) -> None: ...


class MemoryLive:
    """One Rasa server: the latest `LIVE_CONVERSATIONS` conversations in memory."""

    def __init__(self) -> None:
        self.items: OrderedDict[str, Conversation] = OrderedDict()

    def get(self, sender_id: str) -> Conversation | None:
        found = self.items.get(sender_id)
        if found is not None:
            self.items.move_to_end(sender_id)
        return found

    def put(self, sender_id: str, found: Conversation) -> None:
        if sender_id not in self.items:
            self.items[sender_id] = found
            while len(self.items) > LIVE_CONVERSATIONS:
                self.items.popitem(last=False)

    def pop(self, sender_id: str) -> None:
        self.items.pop(sender_id, None)

    def __contains__(self, sender_id: object) -> bool:
        return sender_id in self.items


class RedisLive:
    """Several Rasa servers: the facts in Redis, `<prefix>:stats:live:<keyed sender id>`."""

    def __init__(self, url: str, prefix: str, secret: str) -> None:
        import redis

        from bot.redis_state import key

        self.red = redis.Redis.from_url(url, socket_timeout=2)
        self.prefix = key(prefix, "stats", "live")
        self.secret = secret

    def _key(self, sender_id: str) -> str:
        from bot.redis_state import key

        return key(self.prefix, keyed(self.secret, "live", sender_id))

    def get(self, sender_id: str) -> Conversation | None:
        raw = self.red.get(self._key(sender_id))
        if raw is None:
            return None
        data = json.loads(raw)
        data["shown"] = set(data.get("shown") or ())
        return Conversation(**data)

    def put(self, sender_id: str, found: Conversation) -> None:
        data = asdict(found)
        data["shown"] = sorted(found.shown)
        self.red.set(self._key(sender_id), json.dumps(data), ex=LIVE_TTL)

    def pop(self, sender_id: str) -> None:
        self.red.delete(self._key(sender_id))


class StatsEventBroker(EventBroker):
    """Writes anonymous facts of each conversation to the `stats_` tables (`bot.stats.store`)."""

    def __init__(
        self,
        database_url: str | None = None,
        secret: str | None = None,
        redis_url: str | None = None,
        redis_prefix: str | None = None,
    ) -> None:
        from bot.privacy.identity import server_secret
        from bot.settings import get_settings

        self.database_url = database_url or get_settings().database_url
        self.secret = secret or server_secret()
        settings = get_settings()
        redis_url = settings.redis_url if redis_url is None else redis_url
        self.live: Live = (
            RedisLive(redis_url, redis_prefix or settings.redis_prefix, self.secret)
            if redis_url
            else MemoryLive()
        )
        self.pending: queue.Queue[Item | None] = queue.Queue()
        self.engine: Any = None
        self.writer = threading.Thread(target=self._write_loop, name="stats-writer", daemon=True)
        self.writer.start()

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Any = None
    ) -> StatsEventBroker:
        kwargs = dict(broker_config.kwargs or {})
        return cls(database_url=kwargs.get("database_url") or None)

    # --- the turn's side ------------------------------------------------------------------

    def publish(self, event: dict[str, Any]) -> None:
        """Read one event; queue the conversation's facts when they changed. Never raises."""
        try:
            self._publish(event)
        except Exception:  # statistics never break a conversation
            log.exception("statistics: could not read an event")

    def _publish(self, event: dict[str, Any]) -> None:
        sender_id = str(event.get("sender_id") or "")
        kind = event.get("event")
        if kind in ("session_started", "restart"):
            self.live.pop(sender_id)  # the next user message starts a new conversation
            return
        found = self.live.get(sender_id)
        if found is None:
            if kind != "user":
                return  # nothing to count before the person says something
            found = Conversation.start(self.secret, sender_id, float(event.get("timestamp") or 0))
        if isinstance(self.live, MemoryLive):  # the object itself is kept: nothing to copy
            self.live.put(sender_id, found)
            changed = found.apply(event)
        else:
            before = asdict(found)
            changed = found.apply(event)
            if asdict(found) != before:
                self.live.put(sender_id, found)
        if changed and found.day:
            self.pending.put((found.key, found.facts(), dict(found.needs)))

    def forget(self, sender_id: str) -> None:
        """Drop a conversation's live facts (its person asked for erasure)."""
        self.live.pop(sender_id)

    # --- the writer thread ------------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            items = [self.pending.get()]
            while True:
                try:
                    items.append(self.pending.get_nowait())
                except queue.Empty:
                    break
            batch = {item[0]: item for item in items if item is not None}
            try:
                if batch:
                    self._write(list(batch.values()))
            except Exception:
                log.exception("statistics: could not write %d conversation(s)", len(batch))
            finally:
                for _ in items:
                    self.pending.task_done()
            if None in items:
                return

    def _write(self, items: list[Item]) -> None:
        from bot.stats.store import write_facts

        if self.engine is None:
            self.engine = open_engine(self.database_url)
        with self.engine.begin() as conn:
            for key, facts, needs in items:
                write_facts(conn, key, facts, needs)

    def flush(self) -> None:
        """Wait until everything queued so far is written (tests, benchmarks)."""
        self.pending.join()

    async def close(self) -> None:
        self.pending.put(None)
        self.writer.join(timeout=10.0)
        if self.engine is not None:
            self.engine.dispose()


def open_engine(url: str) -> Any:
    """A sync engine on the database, its schema brought up to date (the web app may start
    after Rasa)."""
    from bot.db import upgrade
    from bot.directory.store import create_engine_from_url

    engine = create_engine_from_url(url)
    upgrade(engine)
    return engine


__all__ = ["StatsEventBroker"]
