"""What the privacy tests share: a stack of their own (its purges and erasures must not
disturb the shared one), a staff account on it, and readers of its stores, so that a test
checks what the real processes kept, not what they answered."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from bot.handoff.store import escalation
from bot.ops.stack import Stack
from bot.privacy.tracker_rows import events
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
    engine = create_engine(f"sqlite:///{stack.folder / 'tracker.db'}", future=True)
    try:
        with engine.connect() as conn:
            query = select(func.count()).where(events.c.sender_id == sender_id)
            return int(conn.execute(query).scalar() or 0)
    finally:
        engine.dispose()


def tracker_words(stack: Stack, sender_id: str) -> int:
    """How many things said (by the person or the assistant) Rasa's tracker store holds for
    `sender_id` (an empty tracker may be made again by anyone reading it)."""
    engine = create_engine(f"sqlite:///{stack.folder / 'tracker.db'}", future=True)
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
