"""The queue: crisis first, then the longest wait; positions and wait estimates.

Claims are atomic in the store (`HandoffStore.claim`, a conditional UPDATE): the queue only
decides the order a counsellor sees.
"""

from __future__ import annotations

import math
from typing import Any

from bot.texts import t

from .store import WAITING, HandoffStore

ESTIMATE_WINDOW = 4 * 3600.0
"""Claims of the last four hours feed the wait estimate."""


def priority(escalation: dict[str, Any]) -> tuple[int, float]:
    """Sort key: crises (any kind) before everything, then by arrival."""
    return (0 if escalation.get("crisis") else 1, float(escalation["created_at"]))


def ordered(escalations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Waiting escalations in serving order, then the active ones (oldest first)."""
    waiting = sorted((e for e in escalations if e["status"] == WAITING), key=priority)
    active = sorted((e for e in escalations if e["status"] != WAITING), key=priority)
    return waiting + active


def position(escalations: list[dict[str, Any]], escalation_id: str) -> int | None:
    """1-based place in line of a waiting escalation (None once claimed or closed)."""
    waiting = [e for e in ordered(escalations) if e["status"] == WAITING]
    for index, item in enumerate(waiting, start=1):
        if item["id"] == escalation_id:
            return index
    return None


def ordinal(position: int, language: str) -> str:
    """A place in line as said to the person ("1re", "2e"; "1", "2")."""
    key = "handoff.position.first" if position == 1 else "handoff.position.other"
    return t(key, language, n=position)


async def waiting_queue(store: HandoffStore) -> list[dict[str, Any]]:
    return ordered(await store.open_escalations())


async def estimate_minutes(store: HandoffStore, place: int, default_minutes: float) -> int:
    """Expected wait for the `place`-th person in line, in whole minutes (at least 1).

    Uses the mean wait of recent claims when there are some, else `default_minutes` a head.
    """
    mean = await store.mean_wait_seconds(store.clock() - ESTIMATE_WINDOW)
    per_person = (mean / 60.0) if mean else default_minutes
    return max(1, math.ceil(per_person * max(place, 1)))
