"""The conversation lock of one Rasa server (`bot.runtime.memory_lock_store`): messages that
queue behind slow turns for longer than a ticket's lifetime are all served, in order, one at
a time — where Rasa's `InMemoryLockStore` drops them with `LockError` (the fuzz benchmark
lost messages so) — and a release wakes the next message at once.

The clock of the tickets (`time.time`) is the test's own: only the turns move it, so the
outcome does not depend on the machine's speed."""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore

from bot.runtime.memory_lock_store import RelaisInMemoryLockStore

LIFETIME = 60.0
TURNS = 6


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """`time.time()` reads `clock[0]`; a turn moves it forward."""
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


async def queued_turns(store: LockStore, clock: list[float]) -> list[object]:
    """Six messages of one conversation at once; each turn lasts 0.8 lifetime (of the test's
    clock), so the last one waits four lifetimes. What each got: its turn number, or the error."""
    log: list[str] = []

    async def turn(number: int) -> int:
        async with store.lock("conversation", LIFETIME, wait_time_in_seconds=0.005):
            log.append(f"start {number}")
            clock[0] += LIFETIME * 0.8
            await asyncio.sleep(0.03)  # the waiters poll meanwhile (their timers fire first)
            log.append(f"end {number}")
            return number

    outcomes = await asyncio.gather(*(turn(n) for n in range(TURNS)), return_exceptions=True)
    served = [n for n in outcomes if isinstance(n, int)]
    assert log == [f"{step} {n}" for n in served for step in ("start", "end")], "one at a time"
    return list(outcomes)


async def test_queued_messages_all_served_in_order(clock: list[float]) -> None:
    store = RelaisInMemoryLockStore()
    assert await queued_turns(store, clock) == list(range(TURNS))
    assert store.get_lock("conversation") is None, "the lock is gone once nobody waits"


async def test_rasa_store_drops_the_same_messages(clock: list[float]) -> None:
    """Why the store exists: Rasa's own loses the messages that waited a lifetime."""
    outcomes = await queued_turns(InMemoryLockStore(), clock)
    assert any(isinstance(outcome, LockError) for outcome in outcomes)


async def test_a_release_wakes_the_next_message_at_once() -> None:
    store = RelaisInMemoryLockStore()
    first_holds = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with store.lock("c", LIFETIME, wait_time_in_seconds=3600):
            first_holds.set()
            await release_first.wait()

    async def second() -> str:
        await first_holds.wait()
        async with store.lock("c", LIFETIME, wait_time_in_seconds=3600):
            return "served"

    holder = asyncio.create_task(first())
    waiter = asyncio.create_task(second())
    await first_holds.wait()
    await asyncio.sleep(0.05)
    assert not waiter.done()
    release_first.set()
    # With a poll every hour, only the release's wake-up can serve it within the test.
    assert await asyncio.wait_for(waiter, 60) == "served"
    await holder


async def test_a_late_release_removes_only_its_own_ticket(clock: list[float]) -> None:
    """A holder that overran its lease releases after the next one was served: numbers are
    never reused, so it cannot free the ticket of whoever came next."""
    store = RelaisInMemoryLockStore()
    late = store.issue_ticket("c", LIFETIME)
    clock[0] += LIFETIME * 2
    async with store.lock("c", LIFETIME) as lock:
        store.finish_serving("c", late)
        assert lock.now_serving != late and lock.is_someone_waiting()
