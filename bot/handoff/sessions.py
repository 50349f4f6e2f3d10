"""Console sessions kept on the server, and the login throttle.

The console's cookie holds only a random token; the session row (keyed by the token's
SHA-256, so a copy of the database opens no console) holds the counsellor, the CSRF token and
the language. Ending a session is deleting its row: logout ends one, a password change or a
disabled account ends all of the account's (`HandoffStore.set_password` / `set_active`), and
every request and open websocket notices at once.

The throttle counts failed logins per account and per address (both keyed by an HMAC with the
secret key, so neither an address nor a mistyped email is stored): after `MAX_FAILURES` within
`WINDOW` seconds the key is locked for `LOCK_SECONDS`. Every change is one conditional
statement, so several web processes share it safely.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from .store import counsellor, metadata

SESSION_MAX_AGE = 12 * 3600
"""A session lasts one long shift at most, then the counsellor signs in again."""
TOUCH_EVERY = 60.0
"""Seconds between two writes of a session's `last_seen_at` (not one write per request)."""
MAX_FAILURES = 10
WINDOW = 15 * 60.0
LOCK_SECONDS = 15 * 60.0

session = Table(
    "handoff_session",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("counsellor_id", Integer, ForeignKey("handoff_counsellor.id"), nullable=False,
           index=True),
    Column("csrf", String(64), nullable=False),
    Column("language", String(2), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)  # fmt: skip

login_throttle = Table(
    "handoff_login_throttle",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", Float, nullable=False),
    Column("locked_until", Float),
)


def new_token() -> str:
    """The cookie's value: 256 random bits."""
    return secrets.token_urlsafe(32)


def token_id(token: str) -> str:
    """The row id of a session token (its SHA-256): the database never holds a usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def throttle_key(kind: str, value: str, secret: str) -> str:
    """`account` or `address` key: an HMAC, so neither emails tried nor addresses are stored."""
    digest = hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return f"{kind[:2]}:{digest.hexdigest()[:56]}"


@dataclass(frozen=True)
class Session:
    id: str
    counsellor_id: int
    csrf: str
    language: str
    expires_at: float
    last_seen_at: float


class SessionStore:
    """Sessions and the login throttle, on the handoff database."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    # --- sessions ----------------------------------------------------------------------

    async def open(self, counsellor_id: int, language: str) -> tuple[str, Session]:
        """A new session; returns the cookie's token (never stored) and the session."""
        token, now = new_token(), self.clock()
        values: dict[str, Any] = {
            "id": token_id(token),
            "counsellor_id": counsellor_id,
            "csrf": secrets.token_urlsafe(32),
            "language": language,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": now + SESSION_MAX_AGE,
        }
        async with self.engine.begin() as conn:
            await conn.execute(insert(session).values(**values))
        del values["created_at"]
        return token, Session(**values)

    async def find(self, token: str | None) -> tuple[Session, dict[str, Any]] | None:
        """The live session of `token` and its counsellor (None: unknown, expired, or the
        account disabled). Touches `last_seen_at` now and then."""
        if not token or len(token) > 128:
            return None
        now = self.clock()
        query = (
            select(session, counsellor)
            .join(counsellor, counsellor.c.id == session.c.counsellor_id)
            .where(session.c.id == token_id(token), session.c.expires_at > now)
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        data = row._mapping
        if not data[counsellor.c.active]:
            return None
        found = Session(
            id=data[session.c.id],
            counsellor_id=data[session.c.counsellor_id],
            csrf=data[session.c.csrf],
            language=data[session.c.language],
            expires_at=data[session.c.expires_at],
            last_seen_at=data[session.c.last_seen_at],
        )
        account = {column.name: data[column] for column in counsellor.columns}
        if now - found.last_seen_at > TOUCH_EVERY:
            await self._update(found.id, last_seen_at=now)
        return found, account

    async def alive(self, session_id: str) -> bool:
        """Whether the session still exists (an open websocket asks now and then)."""
        query = select(session.c.id).where(
            session.c.id == session_id, session.c.expires_at > self.clock()
        )
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).first() is not None

    async def set_language(self, session_id: str, language: str) -> None:
        await self._update(session_id, language=language)

    async def close(self, session_id: str) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(session).where(session.c.id == session_id))
            return result.rowcount == 1

    async def close_all(self, counsellor_id: int) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(session).where(session.c.counsellor_id == counsellor_id)
            )
            return int(result.rowcount)

    async def count(self, counsellor_id: int) -> int:
        query = select(session.c.id).where(
            session.c.counsellor_id == counsellor_id, session.c.expires_at > self.clock()
        )
        async with self.engine.connect() as conn:
            return len((await conn.execute(query)).all())

    async def purge_expired(self) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(session).where(session.c.expires_at <= self.clock()))
            return int(result.rowcount)

    async def _update(self, session_id: str, **values: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(session).where(session.c.id == session_id).values(**values))

    # --- throttle ----------------------------------------------------------------------

    async def locked(self, *keys: str) -> float:
        """Seconds left before the most locked of `keys` may try again (0: none locked)."""
        now = self.clock()
        query = select(login_throttle.c.locked_until).where(
            login_throttle.c.key.in_(keys), login_throttle.c.locked_until > now
        )
        async with self.engine.connect() as conn:
            until = [float(v) for v in (await conn.execute(query)).scalars()]
        return max(until) - now if until else 0.0

    async def failed(self, *keys: str) -> None:
        """Count one failure for each key; a key reaching `MAX_FAILURES` is locked."""
        for key in keys:
            await self._count_failure(key)

    async def succeeded(self, key: str) -> None:
        """A right password forgets the account's failures (never an address's)."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(login_throttle).where(login_throttle.c.key == key))

    async def _count_failure(self, key: str) -> None:
        now = self.clock()
        table = login_throttle
        one_more = update(table).where(table.c.key == key).values(failures=table.c.failures + 1)
        async with self.engine.begin() as conn:
            counted = await conn.execute(one_more.where(table.c.window_start > now - WINDOW))
            if counted.rowcount == 0:  # no window open: start one
                counted = await conn.execute(
                    update(table)
                    .where(table.c.key == key)
                    .values(failures=1, window_start=now, locked_until=None)
                )
        if counted.rowcount == 0:
            try:
                async with self.engine.begin() as conn:
                    await conn.execute(insert(table).values(key=key, failures=1, window_start=now))
            except IntegrityError:  # another process counted the first failure just now
                async with self.engine.begin() as conn:
                    await conn.execute(one_more)
        async with self.engine.begin() as conn:
            await conn.execute(
                update(table)
                .where(
                    table.c.key == key,
                    table.c.failures >= MAX_FAILURES,
                    table.c.locked_until.is_(None) | (table.c.locked_until <= now),
                )
                .values(locked_until=now + LOCK_SECONDS)
            )


__all__ = [
    "LOCK_SECONDS",
    "MAX_FAILURES",
    "SESSION_MAX_AGE",
    "Session",
    "SessionStore",
    "login_throttle",
    "session",
    "throttle_key",
    "token_id",
]
