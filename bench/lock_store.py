"""Benchmark of the conversation lock on Redis: Rasa's `RedisLockStore` beside ours.

Needs the Redis of `RELAIS_BENCH_REDIS_URL` (default redis://127.0.0.1:6379/0); every key is
under a fresh prefix, deleted afterwards.

- `contention`: 4 spawned processes (4 "servers") × 2 tasks × 10 turns on ONE conversation.
  Each turn reads a counter file, sleeps 2 ms and writes it back + 1. Reported: the turns that
  started while another was inside (`overlapping_turns`), the counter updates lost, the turns
  that failed with `LockError`, the processes still waiting after 30 s (then killed), and the
  wall time. Rasa's store races here by chance (how often depends on the machine's timing);
  `tests/runtime/test_redis_lock_store.py` reproduces the same races deterministically.
- `handoff_ms`: one holder, one waiter in one process, Rasa's default wait (1 s between polls):
  the time from the holder's release to the waiter's entry, median and p95 of 20. Rasa's store
  polls; ours wakes the next ticket at once (`BLPOP` on its wake-up list).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis
from rasa.core.lock_store import LockError, RedisLockStore

from bot.runtime.lock_store import RelaisRedisLockStore, apply_url

PROCESSES, TASKS, TURNS = 4, 2, 10
LIFETIME = 5.0
GIVE_UP = 30.0
KINDS = ("rasa", "relais")


def redis_url() -> str:
    return os.environ.get("RELAIS_BENCH_REDIS_URL") or "redis://127.0.0.1:6379/0"


def make_store(kind: str, prefix: str) -> Any:
    if kind == "relais":
        return RelaisRedisLockStore(url=redis_url(), key_prefix=prefix)
    options: dict[str, Any] = {"port": 6379, "db": 0}
    apply_url(redis_url(), options)
    return RedisLockStore(key_prefix=prefix, **options)


def take_turns(kind: str, prefix: str, folder: str, barrier: Any, turns: int) -> None:  # spawned
    async def main() -> None:
        store = make_store(kind, prefix)
        record, counter, errors = (Path(folder, name) for name in ("record", "counter", "errors"))

        async def worker(task: int) -> None:
            for turn in range(turns):
                try:
                    async with store.lock("c", lock_lifetime=LIFETIME, wait_time_in_seconds=0.05):
                        with record.open("a") as out:
                            out.write("enter\n")
                        seen = int(counter.read_text() or "0")
                        await asyncio.sleep(0.002)
                        counter.write_text(str(seen + 1))
                        with record.open("a") as out:
                            out.write("exit\n")
                except LockError:
                    with errors.open("a") as out:
                        out.write(f"{task}-{turn}\n")

        await asyncio.to_thread(barrier.wait, 120)
        await asyncio.gather(*(worker(task) for task in range(TASKS)))

    asyncio.run(main())


def contention(kind: str) -> dict[str, Any]:
    prefix = "relaisbench" + uuid.uuid4().hex[:10]
    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        for name in ("record", "counter", "errors"):
            Path(folder, name).write_text("")
        barrier = spawn.Barrier(PROCESSES + 1)
        children = [
            spawn.Process(target=take_turns, args=(kind, prefix, folder, barrier, TURNS))
            for _ in range(PROCESSES)
        ]
        for child in children:
            child.start()
        barrier.wait(120)  # every child has imported Rasa and connected: start the clock
        started = time.perf_counter()
        stuck = 0
        for child in children:
            child.join(timeout=max(0.0, started + GIVE_UP - time.perf_counter()))
            if child.is_alive():  # a waiter whose ticket was lost polls forever (issue 5396)
                stuck += 1
                child.kill()
                child.join()
        wall = time.perf_counter() - started
        inside = overlapping = 0
        for line in Path(folder, "record").read_text().splitlines():
            if line == "enter":
                overlapping += inside > 0
                inside += 1
            else:
                inside -= 1
        turns = Path(folder, "record").read_text().count("enter\n")
        counted = int(Path(folder, "counter").read_text() or "0")
        errors = len(Path(folder, "errors").read_text().splitlines())
    cleanup(prefix)
    return {
        "turns_done": turns,
        "turns_expected": PROCESSES * TASKS * TURNS,
        "overlapping_turns": overlapping,
        "lost_updates": turns - counted,
        "lock_errors": errors,
        "processes_stuck_after_30_s": stuck,
        "wall_seconds": round(wall, 2),
    }


async def handoff(store: Any) -> float:
    """Milliseconds from the holder's release to the waiter's entry."""
    inside, released, entered = asyncio.Event(), [0.0], [0.0]

    async def holder() -> None:
        async with store.lock("c", lock_lifetime=30):
            inside.set()
            await asyncio.sleep(0.3)  # the waiter has taken its ticket and is waiting
            released[0] = time.perf_counter()  # the release follows at once

    async def waiter() -> None:
        await inside.wait()
        async with store.lock("c", lock_lifetime=30):
            entered[0] = time.perf_counter()

    await asyncio.gather(holder(), waiter())
    return (entered[0] - released[0]) * 1000


async def handoffs(kind: str, rounds: int = 20) -> dict[str, float]:
    prefix = "relaisbench" + uuid.uuid4().hex[:10]
    store = make_store(kind, prefix)
    delays = [await handoff(store) for _ in range(rounds)]
    if isinstance(store, RelaisRedisLockStore):
        await store.aclose()
    cleanup(prefix)
    return {
        "median": round(statistics.median(delays), 1),
        "p95": round(statistics.quantiles(delays, n=20)[-1], 1),
    }


def cleanup(prefix: str) -> None:
    client = redis.Redis.from_url(redis_url())
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def run() -> dict[str, Any]:
    return {
        "contention": {kind: contention(kind) for kind in KINDS},
        "handoff_ms": {kind: asyncio.run(handoffs(kind)) for kind in KINDS},
        "setup": f"{PROCESSES} processes x {TASKS} tasks x {TURNS} turns, lifetime {LIFETIME} s",
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
