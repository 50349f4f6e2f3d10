"""What a counsellor's shift needs beyond the queue: canned responses, transfers, the day's
earlier contacts of a person, and each closed contact's record for the statistics.

A contact record is anonymous by construction: no escalation id, no sender id, no text, only
the day and hour, the channel, the language, the crisis kind, the outcome, the needs the
counsellor confirmed, the services referred (directory ids) and the needs left unmet. A later
statistics feature counts these rows; nothing in them leads back to a person.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.texts import formats

from .store import ACTIVE, CLOSED, OUTCOMES, RETURNED, escalation, metadata

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")
"""A canned response's shortcut: what follows `/` in the message box."""
MAX_CANNED_TEXT = 1000
PLACEHOLDERS: tuple[str, ...] = ("municipality", "need", "counsellor")
"""What a canned response may contain, e.g. "{municipality}"."""

canned = Table(
    "handoff_canned",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("shortcut", String(30), nullable=False),
    Column("language", String(2), nullable=False),
    Column("text", Text, nullable=False),
    Column("updated_by", Integer, ForeignKey("handoff_counsellor.id")),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("shortcut", "language", name="uq_handoff_canned_shortcut"),
)

contact_outcome = Table(
    "handoff_contact_outcome",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("day", String(10), nullable=False, index=True),
    Column("hour", Integer, nullable=False),
    Column("channel", String(40)),
    Column("language", String(2), nullable=False),
    Column("crisis", String(20)),
    Column("outcome", String(30), nullable=False),
    Column("needs", Text, nullable=False),
    Column("referrals", Text, nullable=False),
    Column("unmet_needs", Text, nullable=False),
    Column("waited_seconds", Integer),
    Column("handled_seconds", Integer),
)


class CannedError(ValueError):
    """A canned response that cannot be saved; `key` is the catalog key that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def check_canned(shortcut: str, language: str, text: str) -> tuple[str, str, str]:
    """The cleaned fields of a canned response, or CannedError."""
    shortcut = shortcut.strip().lower().lstrip("/")
    text = text.strip()
    if not SHORTCUT.match(shortcut):
        raise CannedError("console.error.canned_shortcut")
    if language not in ("fr", "en"):
        raise CannedError("console.error.bad_request")
    if not text or len(text) > MAX_CANNED_TEXT:
        raise CannedError("console.error.canned_text")
    unknown = set(re.findall(r"\{(\w+)\}", text)) - set(PLACEHOLDERS)
    if unknown:
        raise CannedError("console.error.canned_placeholder")
    return shortcut, language, text


def clean_ids(values: Any, allowed: Iterable[str] | None = None, limit: int = 20) -> list[str]:
    """A JSON list of short ids as the closing form sends it (unknown ones dropped)."""
    if not isinstance(values, list):
        return []
    known = set(allowed) if allowed is not None else None
    out: list[str] = []
    for value in values[:limit]:
        text = str(value).strip()[:64]
        if text and text not in out and (known is None or text in known):
            out.append(text)
    return out


class WorkspaceStore:
    """Reads and writes of the workspace's tables (and transfers on the escalation table)."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    # --- canned responses ----------------------------------------------------------------

    async def canned(self) -> list[dict[str, Any]]:
        query = select(canned).order_by(canned.c.shortcut, canned.c.language)
        async with self.engine.connect() as conn:
            return [dict(r._mapping) for r in (await conn.execute(query)).all()]

    async def save_canned(
        self, shortcut: str, language: str, text: str, counsellor_id: int, canned_id: int | None
    ) -> dict[str, Any]:
        """Add a canned response (`canned_id` None) or change one; CannedError if invalid or
        the shortcut is taken in that language."""
        shortcut, language, text = check_canned(shortcut, language, text)
        values = {"shortcut": shortcut, "language": language, "text": text,
                  "updated_by": counsellor_id, "updated_at": self.clock()}  # fmt: skip
        try:
            async with self.engine.begin() as conn:
                if canned_id is None:
                    result = await conn.execute(insert(canned).values(**values))
                    canned_id = int(result.inserted_primary_key[0])
                else:
                    result = await conn.execute(
                        update(canned).where(canned.c.id == canned_id).values(**values)
                    )
                    if result.rowcount != 1:
                        raise CannedError("console.error.not_found")
        except IntegrityError:
            raise CannedError("console.error.canned_taken") from None
        return {"id": canned_id, **values}

    async def delete_canned(self, canned_id: int) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(canned).where(canned.c.id == canned_id))
            return result.rowcount == 1

    # --- transfers -----------------------------------------------------------------------

    async def transfer(self, escalation_id: str, from_id: int, to_id: int) -> bool:
        """Hand an active conversation to another counsellor (atomic: only its holder can)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(escalation)
                .where(
                    escalation.c.id == escalation_id,
                    escalation.c.status == ACTIVE,
                    escalation.c.claimed_by == from_id,
                )
                .values(claimed_by=to_id)
            )
            return result.rowcount == 1

    # --- the person's earlier contacts -------------------------------------------------

    async def earlier_today(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """The person's latest contact closed earlier the same day (local time), if any."""
        created = datetime.fromtimestamp(float(item["created_at"]), formats.TZ)
        midnight = created.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
        query = (
            select(escalation.c.outcome, escalation.c.need, escalation.c.closed_at)
            .where(
                escalation.c.sender_id == item["sender_id"],
                escalation.c.id != item["id"],
                escalation.c.status == CLOSED,
                escalation.c.closed_at >= midnight,
                escalation.c.closed_at <= float(item["created_at"]),
            )
            .order_by(escalation.c.closed_at.desc())
            .limit(1)
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return dict(row._mapping) if row is not None else None

    # --- contact records ---------------------------------------------------------------

    async def record_contact(
        self,
        item: dict[str, Any],
        outcome: str,
        *,
        needs: list[str],
        referrals: list[str],
        unmet_needs: list[str],
    ) -> None:
        """The anonymous record of one closed contact (see the module docstring)."""
        if outcome not in (*OUTCOMES, RETURNED):
            raise ValueError(outcome)
        now = self.clock()
        moment = datetime.fromtimestamp(now, formats.TZ)
        created = float(item["created_at"])
        claimed = item.get("claimed_at")
        values = {
            "day": moment.date().isoformat(),
            "hour": moment.hour,
            "channel": item.get("channel"),
            "language": item["language"],
            "crisis": item.get("crisis"),
            "outcome": outcome,
            "needs": json.dumps(needs),
            "referrals": json.dumps(referrals),
            "unmet_needs": json.dumps(unmet_needs),
            "waited_seconds": int((claimed or now) - created),
            "handled_seconds": int(now - claimed) if claimed else None,
        }
        async with self.engine.begin() as conn:
            await conn.execute(insert(contact_outcome).values(**values))

    async def contacts(self, day: str | None = None) -> list[dict[str, Any]]:
        query = select(contact_outcome).order_by(contact_outcome.c.id)
        if day:
            query = query.where(contact_outcome.c.day == day)
        async with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in (await conn.execute(query)).all()]
        for row in rows:
            for name in ("needs", "referrals", "unmet_needs"):
                row[name] = json.loads(row[name])
        return rows


__all__ = [
    "PLACEHOLDERS",
    "CannedError",
    "WorkspaceStore",
    "canned",
    "check_canned",
    "clean_ids",
    "contact_outcome",
]
