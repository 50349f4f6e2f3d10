"""Rasa's tracker store as rows: what a conversation holds, which are stale, delete them.

Rasa's `SQLTrackerStore` keeps every event of every conversation in one `events` table
(`sender_id`, `type_name`, `timestamp`, `data` as JSON: the person's words, the bot's, the
slots, the widget's shared location). These functions work on any engine on that table:
the Rasa process's own (`bot.privacy.rasa_channel`, which also drops its copy in memory) or,
when Rasa is not running, one opened from endpoints.yml (`tracker_url`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import column, delete, func, select, table
from sqlalchemy.engine import Engine

from bot.settings import ENDPOINTS_FILE, ROOT

events = table(
    "events",
    column("id"),
    column("sender_id"),
    column("type_name"),
    column("timestamp"),
    column("data"),
)
"""Rasa's table (Rasa creates it and owns its schema; only these columns are read)."""


def tracker_url(env: Mapping[str, str] | None = None) -> str:
    """The tracker store's database: `RELAIS_TRACKER_URL`, else endpoints.yml's SQLite file
    (`RELAIS_TRACKER_DB` wins, as in `relais run`)."""
    env = os.environ if env is None else env
    if env.get("RELAIS_TRACKER_URL"):
        return env["RELAIS_TRACKER_URL"]
    config = yaml.safe_load(ENDPOINTS_FILE.read_text(encoding="utf-8")) or {}
    store = config.get("tracker_store") or {}
    if store.get("dialect", "sqlite") != "sqlite":
        raise ValueError("set RELAIS_TRACKER_URL for a tracker store that is not SQLite")
    path = Path(env.get("RELAIS_TRACKER_DB") or store.get("db") or "rasa.db")
    return f"sqlite:///{path if path.is_absolute() else ROOT / path}"


def has_events(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return inspect(engine).has_table("events")


def conversation_events(engine: Engine, sender_ids: Iterable[str]) -> dict[str, list[Any]]:
    """Every stored event of each conversation (all its sessions), oldest first."""
    ids = sorted(set(sender_ids))
    found: dict[str, list[Any]] = {}
    if not ids or not has_events(engine):
        return found
    query = (
        select(events.c.sender_id, events.c.data)
        .where(events.c.sender_id.in_(ids))
        .order_by(events.c.sender_id, events.c.id)
    )
    with engine.connect() as conn:
        for sender_id, data in conn.execute(query):
            found.setdefault(sender_id, []).append(json.loads(data))
    return found


def stale_conversations(engine: Engine, before: float) -> list[str]:
    """Conversations whose last event is older than `before` (epoch seconds)."""
    if not has_events(engine):
        return []
    last = func.max(events.c.timestamp)
    query = select(events.c.sender_id).group_by(events.c.sender_id).having(last < before)
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(query)]


def delete_conversations(engine: Engine, sender_ids: Iterable[str]) -> int:
    """Delete every event of these conversations; returns how many rows went."""
    ids = sorted(set(sender_ids))
    if not ids or not has_events(engine):
        return 0
    removed = 0
    with engine.begin() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            result = conn.execute(delete(events).where(events.c.sender_id.in_(chunk)))
            removed += int(result.rowcount or 0)
    return removed
