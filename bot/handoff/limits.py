"""How often one conversation may call a counsellor, and one phone number ask for a callback.

A loop of requests must not fill the counsellors' queue or their callback list. The action
server checks these before it stores anything (`actions/handoff.py`). The sliding window is
the handoff tables themselves (when each escalation and callback was created): the count
survives restarts and holds for every process sharing the database, with no second store.
A conversation already in line is never counted again: asking twice is not a new request.
"""

from __future__ import annotations

from bot.settings import get_settings

from .store import HandoffStore

HOUR = 3600.0
DAY = 24 * HOUR


def _wait(times: list[float], limit: int, window: float, now: float) -> float:
    """Seconds until the oldest of `limit` hits leaves the window (0: a hit is allowed)."""
    if len(times) < limit:
        return 0.0
    return max(times[-limit] + window - now, 1.0)


async def escalation_wait(store: HandoffStore, sender_id: str) -> float:
    """0 when `sender_id` may join the queue now, else the seconds until it may."""
    if await store.open_escalation_for(sender_id):
        return 0.0
    now = store.clock()
    times = await store.escalation_times(sender_id, now - HOUR)
    return _wait(times, get_settings().limits.escalations_per_hour, HOUR, now)


async def callback_wait(store: HandoffStore, phone: str) -> float:
    """0 when a callback to `phone` may be stored now, else the seconds until it may."""
    now = store.clock()
    times = await store.callback_times(phone, now - DAY)
    return _wait(times, get_settings().limits.callbacks_per_day, DAY, now)
