"""Rasa's SQL tracker store, with the conversations in progress kept in memory.

Conversations must survive a restart of Rasa, so the tracker lives in SQL (a SQLite file by
default, `endpoints.yml`). Rasa 3.6's `SQLTrackerStore` pays for it on every message:
SQLAlchemy 1.4 opens a new SQLite connection per query (`NullPool`), reading a tracker queries
and decodes every event of the session, and saving first counts the stored events with one
more query, then inserts through the ORM. In `bench/assistant.py` this was ~17 ms of a ~40 ms
turn, and the Rasa process is the assistant's bottleneck.

`RelaisTrackerStore` stores the very same rows, so the database reads back exactly as before,
but:
- SQLite connections are pooled and set to WAL with `synchronous=NORMAL` (a commit is one
  sequential append; only a power cut may lose the last messages);
- the rows of each conversation's current session are kept after each read and save (the
  most recent `cache_conversations` conversations): reading a live conversation queries
  nothing, and saving inserts only the new events, counted from memory, in one statement.

The copy in memory is exact only while this process is the database's sole writer. It is:
one Rasa process serves the assistant, and every other part of Relais (handoff, widget, SMS)
changes a conversation through Rasa's HTTP API. Run several Rasa processes on one tracker
database only with `cache_conversations: 0`.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

log = logging.getLogger(__name__)

DEFAULT_CACHE_CONVERSATIONS = 1000
"""Conversations kept in memory; a conversation is ~30 events of ~1 kB."""

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA secure_delete=ON",  # a deleted conversation is overwritten, not left readable
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


@dataclass
class StoredRow:
    """One stored event: what Rasa's read query filters and orders on, and its JSON."""

    timestamp: float | None
    type_name: str
    data: str


@dataclass
class StoredSession:
    """What Rasa's read query returns for a conversation: the rows from the latest
    `SessionStarted` on (`start`, its timestamp), or every row when there is none."""

    start: float | None
    rows: list[StoredRow] = field(default_factory=list)

    @classmethod
    def of(cls, rows: list[StoredRow], start: float | None = None) -> StoredSession:
        """The session as the read query would select it from `rows` (in id order)."""
        starts = [
            row.timestamp
            for row in rows
            if row.type_name == SessionStarted.type_name and row.timestamp is not None
        ]
        if starts:
            start = max([*starts, *([start] if start is not None else [])])
        if start is None:
            return cls(None, rows)
        kept = [row for row in rows if row.timestamp is not None and row.timestamp >= start]
        return cls(start, kept)

    def extended(self, new_rows: list[StoredRow]) -> StoredSession:
        """The session once `new_rows` are stored after these rows."""
        return StoredSession.of(self.rows + new_rows, self.start)


class RelaisTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` with pooled SQLite connections and live conversations in memory."""

    def __init__(
        self,
        *args: Any,
        cache_conversations: int = DEFAULT_CACHE_CONVERSATIONS,
        **kwargs: Any,
    ) -> None:
        from bot.privacy.log_filter import install_everywhere
        from bot.runtime import patches

        patches.install()  # Rasa creates its tracker store at start: `rasa run` = `relais run`
        install_everywhere()  # and plain `rasa run` logs redacted, as `relais run` does
        if kwargs.get("dialect") == "sqlite" and kwargs.get("db"):
            Path(kwargs["db"]).parent.mkdir(parents=True, exist_ok=True)  # var/ on a fresh clone
        super().__init__(*args, **kwargs)
        self.engine: sa.engine.Engine
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False}
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.capacity = int(cache_conversations)
        self._sessions: OrderedDict[str, StoredSession] = OrderedDict()

    # -- memory -------------------------------------------------------------------------

    def _remember(self, sender_id: str, stored: StoredSession) -> None:
        if self.capacity <= 0:
            return
        self._sessions[sender_id] = stored
        self._sessions.move_to_end(sender_id)
        while len(self._sessions) > self.capacity:
            self._sessions.popitem(last=False)

    def _stored_session(self, sender_id: str) -> StoredSession:
        """The conversation's current session as stored, from memory or from the database."""
        stored = self._sessions.get(sender_id)
        if stored is not None:
            self._sessions.move_to_end(sender_id)
            return stored
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            rows = [StoredRow(row.timestamp, row.type_name, row.data) for row in query.all()]
        stored = StoredSession.of(rows)
        self._remember(sender_id, stored)
        return stored

    def evict(self, sender_id: str) -> None:
        """Drop the conversation's copy in memory (after its rows were deleted: `bot.privacy`),
        so nothing serves it again from memory."""
        self._sessions.pop(sender_id, None)

    # -- TrackerStore ---------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker of the latest conversation session, as `SQLTrackerStore` builds it."""
        stored = self._stored_session(sender_id)
        if not (self.domain and stored.rows):
            return None
        events = [json.loads(row.data) for row in stored.rows]
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """The events not stored yet to the event broker (`bot.stats.broker`), counted from
        the session in memory as `save` counts them: Rasa's own version reads and decodes
        the whole stored tracker again to diff it, on every save."""
        if self.event_broker is None:
            return
        stored = self._stored_session(tracker.sender_id)
        new_events = list(itertools.islice(tracker.events, len(stored.rows), None))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events not stored yet, in one statement, and remember the session."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        stored = self._stored_session(sender_id)
        new_events = itertools.islice(tracker.events, len(stored.rows), None)
        records = [self._record(sender_id, event) for event in new_events]
        if not records:
            return
        try:
            with self.engine.begin() as connection:
                connection.execute(self.SQLEvent.__table__.insert(), records)
        except Exception:
            self._sessions.pop(sender_id, None)  # unknown state: read it back next time
            raise
        new_rows = [StoredRow(r["timestamp"], r["type_name"], r["data"]) for r in records]
        self._remember(sender_id, stored.extended(new_rows))

    @staticmethod
    def _record(sender_id: str, event: Any) -> dict[str, Any]:
        """The row `SQLTrackerStore.save` writes for an event."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
