"""The handoff tables (SQLAlchemy Core, prefix `handoff_`) and the one class that writes them.

Times are stored as UTC epoch seconds (`Float`): the same on SQLite and PostgreSQL, easy to
order and subtract; the API turns them into ISO datetimes. Every state change is a single
conditional statement, so two processes (action server, web app) or two counsellors can
share the database without locks.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

metadata = MetaData()

WAITING, ACTIVE, CLOSED = "waiting", "active", "closed"
OUTCOMES: tuple[str, ...] = (
    "referred",
    "information_given",
    "crisis_line_given",
    "callback",
    "no_answer",
)
"""What a counsellor chooses when closing (a 211's contact outcomes)."""
ROLES: tuple[str, ...] = ("counsellor", "staff", "admin")
"""Console roles, each allowed what the ones before it are (`bot.handoff.roles`)."""
RETURNED = "returned_to_bot"
"""Outcome when the conversation goes back to the bot (hand back, counsellor gone)."""
PERSON, COUNSELLOR, SYSTEM = "person", "counsellor", "system"
PENDING, SENT = "pending", "sent"
RESUME_KEY = "resume:"
"""`dedupe_key` prefix of the outbox row that gives a conversation back to the bot: its
delivery is the `resume` event, the notice and an `action_listen`, posted together."""

counsellor = Table(
    "handoff_counsellor",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("language", String(2), nullable=False, default="fr"),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", Float, nullable=False),
    Column("role", String(20), nullable=False, server_default="counsellor"),
)

escalation = Table(
    "handoff_escalation",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("language", String(2), nullable=False),
    Column("channel", String(40)),
    Column("need", String(40)),
    Column("municipality", String(10)),
    Column("crisis", String(20)),
    Column("reason", String(40)),
    Column("services", Text, nullable=False, default="[]"),
    Column("status", String(10), nullable=False, index=True),
    Column("created_at", Float, nullable=False),
    Column("claimed_by", Integer, ForeignKey("handoff_counsellor.id")),
    Column("claimed_at", Float),
    Column("closed_at", Float),
    Column("outcome", String(20)),
    Column("person_left_at", Float),
    Column("last_person_at", Float),
    Column("last_event_ts", Float, nullable=False, default=0.0),
    Column("announced_position", Integer),
    Column("needs", Text),  # every need named (JSON list of ids), `need` the main one
    Column("borough", String(80)),
)

message = Table(
    "handoff_message",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("escalation_id", String(36), ForeignKey("handoff_escalation.id"), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("author", String(120)),
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("dedupe_key", String(80), nullable=False),
    Column("status", String(10), nullable=False, default=SENT),
    Column("delivered_at", Float),
    Column("payload", Text),  # a custom payload sent instead of the text (JSON), or NULL
    UniqueConstraint("escalation_id", "dedupe_key", name="uq_handoff_message_dedupe"),
)

note = Table(
    "handoff_note",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("escalation_id", String(36), ForeignKey("handoff_escalation.id"), nullable=False),
    Column("counsellor_id", Integer, ForeignKey("handoff_counsellor.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

callback = Table(
    "handoff_callback",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("phone", Text, nullable=False),  # encrypted (bot.privacy.identity)
    Column("contact", String(5), nullable=False),
    Column("language", String(2), nullable=False),
    Column("best_time", String(200)),
    Column("need", String(40)),
    Column("municipality", String(10)),
    Column("crisis", String(20)),
    Column("status", String(10), nullable=False, index=True),
    Column("created_at", Float, nullable=False),
    Column("closed_by", Integer, ForeignKey("handoff_counsellor.id")),
    Column("closed_at", Float),
    Column("outcome", String(20)),
    Column("phone_key", String(80), index=True),  # keyed hash: finds a person's callbacks
)


def _row(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    if "services" in data:
        data["services"] = json.loads(data["services"] or "[]")
    if "needs" in data:
        data["needs"] = json.loads(data["needs"] or "[]")
    if data.get("payload"):
        data["payload"] = json.loads(data["payload"])
    return data


def _sqlite_setup(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted text overwritten (bot.privacy)
    cursor.close()


def create_handoff_engine(url: str) -> AsyncEngine:
    """An async engine that keeps its connections (a pool, SQLite included).

    The relay queries the store several times a second; SQLAlchemy's default for SQLite
    (`NullPool`) would open a connection, a thread and the pragmas for every query.
    """
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import AsyncAdaptedQueuePool

    from bot.directory.store import async_url, create_async_engine_from_url

    sa_url = async_url(url)
    if sa_url.get_backend_name() != "sqlite":
        return create_async_engine_from_url(url)
    create_async_engine_from_url(url)  # creates the SQLite folder, like every other engine
    engine = create_async_engine(
        sa_url, poolclass=AsyncAdaptedQueuePool, pool_size=5, max_overflow=10
    )
    event.listen(engine.sync_engine, "connect", _sqlite_setup)
    return engine


async def init_tables(engine: AsyncEngine) -> None:
    """Bring the database to the project's schema, these tables included (`bot.db`: one
    migration history; idempotent, only a read when up to date, safe from several processes)."""
    from bot.db import upgrade_async

    await upgrade_async(engine)


class HandoffStore:
    """Reads and writes of escalations, messages, notes, callbacks and counsellors."""

    def __init__(
        self, engine: AsyncEngine, clock: Any = time.time, secret: str | None = None
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.secret = secret  # seals callback numbers; None: the server's own secret

    # --- counsellors -------------------------------------------------------------------

    async def add_counsellor(
        self,
        email: str,
        name: str,
        password_hash: str,
        language: str = "fr",
        role: str = "counsellor",
    ) -> int:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        async with self.engine.begin() as conn:
            result = await conn.execute(
                insert(counsellor).values(
                    email=email.strip().lower(),
                    name=name,
                    password_hash=password_hash,
                    language=language,
                    active=True,
                    created_at=self.clock(),
                    role=role,
                )
            )
            return int(result.inserted_primary_key[0])

    async def set_password(self, email: str, password_hash: str) -> bool:
        """A new password; every console session of the account ends with the old one."""
        return await self._update_account(email, password_hash=password_hash)

    async def set_active(self, email: str, active: bool) -> bool:
        """Enable or disable an account; disabling ends its console sessions."""
        return await self._update_account(email, active=active, end_sessions=not active)

    async def set_role(self, email: str, role: str) -> bool:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        return await self._update_account(email, role=role, end_sessions=False)

    async def _update_account(
        self, email: str, *, end_sessions: bool = True, **values: Any
    ) -> bool:
        from .sessions import session  # the console's session table (same metadata)

        async with self.engine.begin() as conn:
            found = await conn.execute(
                select(counsellor.c.id).where(counsellor.c.email == email.strip().lower())
            )
            counsellor_id = found.scalar()
            if counsellor_id is None:
                return False
            await conn.execute(
                update(counsellor).where(counsellor.c.id == counsellor_id).values(**values)
            )
            if end_sessions:
                await conn.execute(session.delete().where(session.c.counsellor_id == counsellor_id))
            return True

    async def counsellor_by_email(self, email: str) -> dict[str, Any] | None:
        return await self._one(select(counsellor).where(counsellor.c.email == email.lower()))

    async def counsellor_by_id(self, counsellor_id: int) -> dict[str, Any] | None:
        return await self._one(select(counsellor).where(counsellor.c.id == counsellor_id))

    async def counsellors(self) -> list[dict[str, Any]]:
        return await self._all(select(counsellor).order_by(counsellor.c.email))

    # --- escalations -------------------------------------------------------------------

    async def open_escalation_for(self, sender_id: str) -> dict[str, Any] | None:
        """The sender's escalation still waiting or held by a counsellor, if any."""
        return await self._one(
            select(escalation).where(
                escalation.c.sender_id == sender_id, escalation.c.status != CLOSED
            )
        )

    async def create_escalation(
        self,
        *,
        sender_id: str,
        language: str,
        channel: str | None = None,
        need: str | None = None,
        municipality: str | None = None,
        crisis: str | None = None,
        reason: str | None = None,
        services: Iterable[dict[str, Any]] = (),
        last_event_ts: float = 0.0,
        needs: Iterable[str] = (),
        borough: str | None = None,
    ) -> dict[str, Any]:
        """A new waiting escalation, or the sender's open one (never two at once)."""
        existing = await self.open_escalation_for(sender_id)
        if existing:
            return existing
        now = self.clock()
        values = {
            "id": str(uuid.uuid4()),
            "sender_id": sender_id,
            "language": language,
            "channel": channel,
            "need": need,
            "municipality": municipality,
            "crisis": crisis or None,
            "reason": reason,
            "services": json.dumps(list(services), ensure_ascii=False),
            "status": WAITING,
            "created_at": now,
            "last_person_at": now,
            "last_event_ts": last_event_ts,
            "needs": json.dumps(list(needs)),
            "borough": borough,
        }
        async with self.engine.begin() as conn:
            await conn.execute(insert(escalation).values(**values))
        return _row_from_values(values)

    async def escalation(self, escalation_id: str) -> dict[str, Any] | None:
        return await self._one(select(escalation).where(escalation.c.id == escalation_id))

    async def open_escalations(self) -> list[dict[str, Any]]:
        """Waiting and active escalations, in no particular order (see `queue.ordered`)."""
        return await self._all(select(escalation).where(escalation.c.status != CLOSED))

    async def claim(self, escalation_id: str, counsellor_id: int) -> bool:
        """Atomic: exactly one of many concurrent claims wins (conditional UPDATE)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(escalation)
                .where(
                    escalation.c.id == escalation_id,
                    escalation.c.status == WAITING,
                    escalation.c.claimed_by.is_(None),
                )
                .values(status=ACTIVE, claimed_by=counsellor_id, claimed_at=self.clock())
            )
            return result.rowcount == 1

    async def close(
        self, escalation_id: str, outcome: str, counsellor_id: int | None = None
    ) -> bool:
        """Close an open escalation (once); `counsellor_id` must hold it when given."""
        conditions = [escalation.c.id == escalation_id, escalation.c.status != CLOSED]
        if counsellor_id is not None:
            conditions.append(escalation.c.claimed_by == counsellor_id)
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(escalation)
                .where(and_(*conditions))
                .values(status=CLOSED, outcome=outcome, closed_at=self.clock())
            )
            return result.rowcount == 1

    async def close_and_resume(
        self, escalation_id: str, outcome: str, counsellor_id: int | None, text: str
    ) -> dict[str, Any] | None:
        """Close an open escalation and put its resume in the outbox, in ONE transaction.

        Returns the outbox row (the notice `text`, `pending`), or None when the escalation
        was not open (or not held by `counsellor_id`). A crash or Rasa being down after the
        commit leaves the row pending: the relay delivers it until Rasa confirms, so a
        closed escalation never leaves the person paused.
        """
        conditions = [escalation.c.id == escalation_id, escalation.c.status != CLOSED]
        if counsellor_id is not None:
            conditions.append(escalation.c.claimed_by == counsellor_id)
        values = {
            "escalation_id": escalation_id,
            "direction": SYSTEM,
            "author": None,
            "text": text,
            "created_at": self.clock(),
            "dedupe_key": f"{RESUME_KEY}{uuid.uuid4()}",
            "status": PENDING,
            "payload": None,
        }
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(escalation)
                .where(and_(*conditions))
                .values(status=CLOSED, outcome=outcome, closed_at=self.clock())
            )
            if result.rowcount != 1:
                return None
            inserted = await conn.execute(insert(message).values(**values))
        return {"id": int(inserted.inserted_primary_key[0]), **values}

    async def pending_resumes(self) -> list[dict[str, Any]]:
        """Outbox rows that still have to give a conversation back to the bot, oldest first,
        with the escalation's `sender_id`, `channel` and `language`."""
        query = (
            select(
                message,
                escalation.c.sender_id,
                escalation.c.channel,
                escalation.c.language,
            )
            .join(escalation, escalation.c.id == message.c.escalation_id)
            .where(message.c.status == PENDING, message.c.dedupe_key.startswith(RESUME_KEY))
            .order_by(message.c.id)
        )
        return await self._all(query)

    async def held_by(self, counsellor_id: int) -> list[dict[str, Any]]:
        return await self._all(
            select(escalation).where(
                escalation.c.claimed_by == counsellor_id, escalation.c.status == ACTIVE
            )
        )

    async def mark_person_left(self, escalation_id: str) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(escalation)
                .where(escalation.c.id == escalation_id, escalation.c.person_left_at.is_(None))
                .values(person_left_at=self.clock())
            )
            return result.rowcount == 1

    async def set_announced_position(self, escalation_id: str, position: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(escalation)
                .where(escalation.c.id == escalation_id)
                .values(announced_position=position)
            )

    # --- messages ----------------------------------------------------------------------

    async def record_person_messages(
        self, escalation_id: str, events: list[dict[str, Any]], last_event_ts: float
    ) -> list[dict[str, Any]]:
        """Store the person's new messages and move the read mark, in one transaction.

        Keyed by the Rasa event timestamp, so a message read twice (a restart between the
        read and the commit) is stored once; returns only the rows that are new.
        """
        new_rows: list[dict[str, Any]] = []
        async with self.engine.begin() as conn:
            for event in events:
                values = {
                    "escalation_id": escalation_id,
                    "direction": PERSON,
                    "author": None,
                    "text": event.get("text") or "",
                    "created_at": float(event["timestamp"]),
                    "dedupe_key": f"rasa:{event['timestamp']!r}",
                    "status": SENT,
                    "delivered_at": self.clock(),
                }
                if await self._exists(conn, escalation_id, values["dedupe_key"]):
                    continue
                result = await conn.execute(insert(message).values(**values))
                new_rows.append({"id": int(result.inserted_primary_key[0]), **values})
            changes: dict[str, Any] = {"last_event_ts": last_event_ts}
            if new_rows:
                changes["last_person_at"] = max(r["created_at"] for r in new_rows)
            await conn.execute(
                update(escalation)
                .where(
                    escalation.c.id == escalation_id,
                    escalation.c.last_event_ts < last_event_ts,
                )
                .values(**changes)
            )
        return new_rows

    @staticmethod
    async def _exists(conn: AsyncConnection, escalation_id: str, key: str) -> bool:
        found = await conn.execute(
            select(message.c.id).where(
                message.c.escalation_id == escalation_id, message.c.dedupe_key == key
            )
        )
        return found.first() is not None

    async def queue_outgoing(
        self,
        escalation_id: str,
        direction: str,
        text: str,
        author: str | None,
        payload: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An outgoing message, `pending` until Rasa accepted it (the outbox); `payload` is a
        custom payload sent instead of the text (which stays as its plain-text rendering)."""
        values = {
            "escalation_id": escalation_id,
            "direction": direction,
            "author": author,
            "text": text,
            "created_at": self.clock(),
            "dedupe_key": f"out:{uuid.uuid4()}",
            "status": PENDING,
            "payload": json.dumps(payload, ensure_ascii=False) if payload else None,
        }
        async with self.engine.begin() as conn:
            result = await conn.execute(insert(message).values(**values))
        return {"id": int(result.inserted_primary_key[0]), **values, "payload": payload}

    async def mark_sent(self, message_id: int) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(message)
                .where(message.c.id == message_id, message.c.status == PENDING)
                .values(status=SENT, delivered_at=self.clock())
            )
            return result.rowcount == 1

    async def pending_messages(self) -> list[dict[str, Any]]:
        return await self._all(
            select(message).where(message.c.status == PENDING).order_by(message.c.id)
        )

    async def messages(self, escalation_id: str) -> list[dict[str, Any]]:
        return await self._all(
            select(message)
            .where(message.c.escalation_id == escalation_id)
            .order_by(message.c.created_at, message.c.id)
        )

    # --- notes -------------------------------------------------------------------------

    async def add_note(self, escalation_id: str, counsellor_id: int, text: str) -> dict[str, Any]:
        values = {
            "escalation_id": escalation_id,
            "counsellor_id": counsellor_id,
            "text": text,
            "created_at": self.clock(),
        }
        async with self.engine.begin() as conn:
            result = await conn.execute(insert(note).values(**values))
        return {"id": int(result.inserted_primary_key[0]), **values}

    async def notes(self, escalation_id: str) -> list[dict[str, Any]]:
        query = (
            select(note, counsellor.c.name.label("author"))
            .join(counsellor, counsellor.c.id == note.c.counsellor_id)
            .where(note.c.escalation_id == escalation_id)
            .order_by(note.c.id)
        )
        return await self._all(query)

    # --- callbacks ---------------------------------------------------------------------

    async def add_callback(
        self,
        *,
        sender_id: str,
        phone: str,
        contact: str,
        language: str,
        best_time: str | None,
        need: str | None = None,
        municipality: str | None = None,
        crisis: str | None = None,
    ) -> dict[str, Any]:
        from bot.privacy.identity import phone_key, seal

        values = {
            "id": str(uuid.uuid4()),
            "sender_id": sender_id,
            "phone": seal(phone, self.secret),
            "phone_key": phone_key(phone, self.secret),
            "contact": contact,
            "language": language,
            "best_time": best_time,
            "need": need,
            "municipality": municipality,
            "crisis": crisis or None,
            "status": "open",
            "created_at": self.clock(),
        }
        async with self.engine.begin() as conn:
            await conn.execute(insert(callback).values(**values))
        return {**values, "phone": phone}

    async def callbacks(self, status: str | None = "open") -> list[dict[str, Any]]:
        """Callbacks with their number in clear (it is stored sealed: `bot.privacy`)."""
        from bot.privacy.identity import unseal

        query = select(callback).order_by(callback.c.crisis.is_(None), callback.c.created_at)
        if status:
            query = query.where(callback.c.status == status)
        rows = await self._all(query)
        return [{**row, "phone": unseal(row["phone"], self.secret)} for row in rows]

    async def close_callback(self, callback_id: str, outcome: str, counsellor_id: int) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(callback)
                .where(callback.c.id == callback_id, callback.c.status == "open")
                .values(
                    status="closed",
                    outcome=outcome,
                    closed_by=counsellor_id,
                    closed_at=self.clock(),
                )
            )
            return result.rowcount == 1

    # --- statistics --------------------------------------------------------------------

    async def mean_wait_seconds(self, since: float) -> float | None:
        """Mean time from escalation to claim, over claims since `since` (wait estimate)."""
        query = select(func.avg(escalation.c.claimed_at - escalation.c.created_at)).where(
            escalation.c.claimed_at.is_not(None), escalation.c.claimed_at >= since
        )
        async with self.engine.connect() as conn:
            value = (await conn.execute(query)).scalar()
        return float(value) if value is not None else None

    # --- helpers -----------------------------------------------------------------------

    async def escalation_times(self, sender_id: str, since: float) -> list[float]:
        """When `sender_id`'s escalations since `since` were created (oldest first): the
        sliding window of the per-conversation limit (`bot.handoff.limits`)."""
        query = (
            select(escalation.c.created_at)
            .where(escalation.c.sender_id == sender_id, escalation.c.created_at > since)
            .order_by(escalation.c.created_at)
        )
        async with self.engine.connect() as conn:
            return [float(row[0]) for row in (await conn.execute(query)).all()]

    async def callback_times(self, phone: str, since: float) -> list[float]:
        """When callbacks to `phone` since `since` were asked for (oldest first)."""
        from bot.privacy.identity import phone_key

        query = (
            select(callback.c.created_at)
            .where(callback.c.phone_key == phone_key(phone), callback.c.created_at > since)
            .order_by(callback.c.created_at)
        )
        async with self.engine.connect() as conn:
            return [float(row[0]) for row in (await conn.execute(query)).all()]

    async def _one(self, query: Any) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _row(row) if row is not None else None

    async def _all(self, query: Any) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_row(row) for row in rows]


def _row_from_values(values: dict[str, Any]) -> dict[str, Any]:
    """A freshly inserted escalation shaped like a row read back."""
    data = {column.name: None for column in escalation.columns}
    data.update(values)
    data["services"] = json.loads(values["services"])
    data["needs"] = json.loads(values["needs"])
    return data


__all__ = [
    "ACTIVE",
    "CLOSED",
    "COUNSELLOR",
    "OUTCOMES",
    "PENDING",
    "PERSON",
    "RETURNED",
    "SENT",
    "SYSTEM",
    "WAITING",
    "HandoffStore",
    "init_tables",
    "metadata",
]

# The console's own tables share this metadata (one schema, one migration history).
from . import sessions as _sessions  # noqa: E402, F401
from . import workspace as _workspace  # noqa: E402, F401
