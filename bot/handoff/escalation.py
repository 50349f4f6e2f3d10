"""The action server's side of the handoff: record an escalation or a callback request.

The action server writes the shared database (`RELAIS_DATABASE_URL`) directly rather than
calling the web app: the person's request is stored even while the web app restarts, there
is no second secret to configure, and the web app's relay picks new rows up on its next
pass. The engine is opened lazily on first use (never at import) and reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import get_settings

from . import queue
from .config import HandoffSettings
from .hours import CounsellorHours, now
from .store import HandoffStore, create_handoff_engine, init_tables

_engines: dict[str, AsyncEngine] = {}


async def get_store(database_url: str | None = None) -> HandoffStore:
    """The process's handoff store (tables created on first use)."""
    url = database_url or get_settings().database_url
    if url not in _engines:
        engine = create_handoff_engine(url)
        await init_tables(engine)
        _engines[url] = engine
    return HandoffStore(_engines[url])


@dataclass(frozen=True)
class Ticket:
    """What the person is told once in line."""

    escalation_id: str
    position: int
    minutes: int


def counsellors_available(
    settings: HandoffSettings | None = None, at: datetime | None = None
) -> bool:
    settings = settings or HandoffSettings.from_env()
    return CounsellorHours(settings).is_open(at or now(settings))


async def enqueue(
    *,
    sender_id: str,
    language: str,
    channel: str | None = None,
    need: str | None = None,
    municipality: str | None = None,
    crisis: str | None = None,
    reason: str | None = None,
    services: list[dict[str, Any]] | None = None,
    last_event_ts: float = 0.0,
    store: HandoffStore | None = None,
    settings: HandoffSettings | None = None,
    needs: list[str] | None = None,
    borough: str | None = None,
) -> Ticket:
    """Put the conversation in the queue (or find it there) and compute its place."""
    settings = settings or HandoffSettings.from_env()
    store = store or await get_store()
    item = await store.create_escalation(
        sender_id=sender_id,
        language=language,
        channel=channel,
        need=need,
        municipality=municipality,
        crisis=crisis,
        reason=reason,
        services=services or [],
        last_event_ts=last_event_ts,
        needs=needs or ([need] if need else []),
        borough=borough,
    )
    items = await store.open_escalations()
    place = queue.position(items, item["id"]) or 1
    await store.set_announced_position(item["id"], place)
    minutes = await queue.estimate_minutes(store, place, settings.minutes_per_person)
    return Ticket(item["id"], place, minutes)


async def escalate(
    *,
    sender_id: str,
    language: str,
    crisis: str | None,
    need: str | None,
    municipality: str | None,
    **extra: Any,
) -> bool:
    """The seam `actions/handoff.py` first called: True when a counsellor will answer."""
    if not counsellors_available():
        return False
    await enqueue(
        sender_id=sender_id,
        language=language,
        crisis=crisis,
        need=need,
        municipality=municipality,
        **extra,
    )
    return True


async def request_callback(
    *,
    sender_id: str,
    phone: str,
    contact: str,
    language: str,
    best_time: str | None,
    need: str | None = None,
    municipality: str | None = None,
    crisis: str | None = None,
    store: HandoffStore | None = None,
) -> dict[str, Any]:
    """Store a callback request for the next opening."""
    store = store or await get_store()
    return await store.add_callback(
        sender_id=sender_id,
        phone=phone,
        contact=contact,
        language=language,
        best_time=best_time,
        need=need,
        municipality=municipality,
        crisis=crisis,
    )
