"""What the privacy tests share: a stack of their own (its purges and erasures must not
disturb the shared one), a staff account on it, and readers of its stores, so that a test
checks what the real processes kept, not what they answered."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.handoff.store import escalation
from bot.ops.stack import Stack
from bot.privacy.tracker_rows import events
from tests.privacy import canaries
from tests.stacks import FULL

PRIVACY_STACK = replace(FULL, env=(*FULL.env, ("RELAIS_RETENTION_TEXT_DAYS", "30")))
"""The full stack's options, a stack of its own (the retention setting makes it another)."""


def eventually(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """`check()` once it is truthy (polled), else the test fails saying `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.2)


def tracker_events(stack: Stack, sender_id: str) -> int:
    """How many events Rasa's tracker store holds for `sender_id`."""
    engine = create_engine(stack.tracker_url, future=True)
    try:
        with engine.connect() as conn:
            query = select(func.count()).where(events.c.sender_id == sender_id)
            return int(conn.execute(query).scalar() or 0)
    finally:
        engine.dispose()


def tracker_words(stack: Stack, sender_id: str) -> int:
    """How many things said (by the person or the assistant) Rasa's tracker store holds for
    `sender_id` (an empty tracker may be made again by anyone reading it)."""
    engine = create_engine(stack.tracker_url, future=True)
    try:
        with engine.connect() as conn:
            query = select(func.count()).where(
                events.c.sender_id == sender_id, events.c.type_name.in_(("user", "bot"))
            )
            return int(conn.execute(query).scalar() or 0)
    finally:
        engine.dispose()


def escalations(stack: Stack, sender_id: str) -> list[dict[str, Any]]:
    """The handoff records of `sender_id` in the stack's database."""
    engine = create_engine(stack.database_url, future=True)
    try:
        with engine.connect() as conn:
            query = select(escalation).where(escalation.c.sender_id == sender_id)
            return [dict(row._mapping) for row in conn.execute(query)]
    finally:
        engine.dispose()


def files_holding(folder: Path, needle: str) -> list[str]:
    """Every file under `folder` (databases, their WAL, logs) holding `needle`, byte for byte."""
    data = needle.encode()
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and data in path.read_bytes()
    )


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False).encode()
    return str(value).encode()


def files_leaking(folder: Path) -> dict[str, list[bytes]]:
    """Every file under `folder` that holds a canary, byte for byte."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            hits = canaries.found_in(path.read_bytes())
            if hits:
                found[str(path.relative_to(folder))] = hits
    return found


def tables_leaking(url: str) -> dict[str, list[bytes]]:
    """Every table of a PostgreSQL database (all its schemas) whose rows hold a canary, read
    column by column as the server returns it (text, JSON, bytea as raw bytes)."""
    found = {}
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                text(
                    "SELECT table_schema, table_name FROM information_schema.tables"
                    " WHERE table_type = 'BASE TABLE'"
                    " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
                    " ORDER BY 1, 2"
                )
            ).all()
            for schema, name in tables:
                rows = conn.execute(text(f'SELECT * FROM "{schema}"."{name}"'))
                data = b"\n".join(_as_bytes(value) for row in rows for value in row)
                hits = canaries.found_in(data)
                if hits:
                    found[f"{schema}.{name}"] = hits
    finally:
        engine.dispose()
    return found


def leaking(stack: Stack) -> dict[str, list[bytes]]:
    """Where the stack holds a canary: its files (databases, their WAL, logs) and, on
    PostgreSQL, the rows of every table of its database."""
    found = files_leaking(stack.folder)
    if stack.database_url.startswith("postgresql"):
        found.update(tables_leaking(stack.database_url))
    return found
