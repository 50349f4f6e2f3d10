"""`StatsEventBroker`: Rasa's event broker writing the statistics as conversations go.

Rasa streams every new event of a conversation to the broker named in endpoints.yml
(`event_broker: type: bot.stats.broker.StatsEventBroker`) when it saves the tracker. The
broker keeps the facts of the live conversations in memory (`bot.stats.events`), and when a
fact changes it hands the row to a writer thread: `publish` costs a dict update and a queue
put, never a database round trip on the turn's path. The writer coalesces what piled up
(latest facts per conversation win) and writes it in one transaction.

Keys are keyed hashes of the conversation id (`events.keyed`, the server secret): no
conversation id, no text ever reaches the statistics tables.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.stats.events import Conversation

log = logging.getLogger(__name__)

LIVE_CONVERSATIONS = 20_000
"""Conversations whose facts stay in memory (a few hundred bytes each)."""
Item = tuple[str, dict[str, Any], dict[str, bool]]


class StatsEventBroker(EventBroker):
    """Writes anonymous facts of each conversation to the `stats_` tables (`bot.stats.store`)."""

    def __init__(self, database_url: str | None = None, secret: str | None = None) -> None:
        from bot.privacy.identity import server_secret
        from bot.settings import get_settings

        self.database_url = database_url or get_settings().database_url
        self.secret = secret or server_secret()
        self.live: OrderedDict[str, Conversation] = OrderedDict()
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
            self.live.pop(sender_id, None)  # the next user message starts a new conversation
            return
        found = self.live.get(sender_id)
        if found is None:
            if kind != "user":
                return  # nothing to count before the person says something
            found = Conversation.start(self.secret, sender_id, float(event.get("timestamp") or 0))
            self.live[sender_id] = found
            while len(self.live) > LIVE_CONVERSATIONS:
                self.live.popitem(last=False)
        else:
            self.live.move_to_end(sender_id)
        if found.apply(event) and found.day:
            self.pending.put((found.key, found.facts(), dict(found.needs)))

    def forget(self, sender_id: str) -> None:
        """Drop a conversation's live facts (its person asked for erasure)."""
        self.live.pop(sender_id, None)

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
