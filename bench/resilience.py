"""Load and faults on two instances (`relais run --instances 2`): nothing lost, nothing twice.

Starts two instances behind HAProxy (`bot.ops.stack`, the same children as `relais run`) on a
new PostgreSQL database (`RELAIS_BENCH_POSTGRES_URL`, default the local `test` server; dropped
after) and on Redis (`RELAIS_BENCH_REDIS_URL`) through a small socket relay of this process,
under a fresh key prefix (deleted after). The supervisor restarts what dies, as in
production. Then 50 conversations × 10 turns over REST through the public origin, all at
once; during them:

1. at 15 % of the turns, Rasa of instance 1 is killed (SIGKILL);
2. at 45 %, the action server of instance 2;
3. at 75 %, every connection to Redis is cut (the relay closes them; new ones are accepted).

A client retries a failed turn once, after a second, with the same `metadata.message_id`, as
the widget does (failed: an error status, no answer or an empty one); the server answers a
message it already handled from the conversation instead of processing it again
(`bot.runtime.resent`). Reported: answered and lost turns
(lost: the retry failed too), retries, user events recorded twice in the tracker store
(PostgreSQL, read after the run), turns answered but never recorded, p50/p95 per turn
(retry included), and for each fault: the failed attempts after it (until the next fault), and
`recovered_s`, the seconds from the fault to the last of them (after it, every turn goes
through; 0: none failed), beside the slowest turn among those in flight at the fault or
started within 5 s after it (which includes the load's queueing). Loopback only, bounded by
`DEADLINE`.

Targets: 0 lost, 0 duplicated, `recovered_s` ≤ 5 for each fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.directory.store import scratch_database
from bot.ops.stack import Stack, StackOptions, free_port

CONVERSATIONS, TURNS = 50, 10
SCRIPT = (
    "Bonjour",
    "j'ai faim",
    "Laval",
    "merci",
    "chu pu capable de payer mon loyer",
    "Longueuil",
    "I need a place to sleep tonight",
    "Montréal",
    "je cherche de l'aide pour mon fils",
    "ok merci bye",
)
"""Ten different messages: a user event recorded twice is a duplicate, never a repeat."""
FAULTS = ((0.15, "kill rasa"), (0.45, "kill actions2"), (0.75, "cut redis"))
RETRY_AFTER = 1.0
TURN_TIMEOUT = 60.0
DEADLINE = 900.0
"""Seconds the load may run before the rest is counted as lost."""
TARGET_RECOVERY = 5.0
UNLIMITED = (
    ("RELAIS_LIMIT_MESSAGES_PER_MINUTE", "100000"),
    ("RELAIS_LIMIT_ADDRESS_MESSAGES_PER_MINUTE", "100000"),
)


# -- the services ------------------------------------------------------------------------


def postgres_url() -> str:
    return os.environ.get("RELAIS_BENCH_POSTGRES_URL") or "postgresql://postgres@127.0.0.1/test"


def redis_address() -> tuple[str, int]:
    url = make_url(os.environ.get("RELAIS_BENCH_REDIS_URL") or "redis://127.0.0.1:6379/0")
    return url.host or "127.0.0.1", url.port or 6379


def fresh_database() -> contextlib.AbstractContextManager[str]:
    """A new PostgreSQL database (dropped after, with any connection left to it)."""
    return scratch_database(postgres_url(), "relais_bench")


class Relay:
    """A TCP relay to Redis on a thread of its own: `cut()` closes every connection through
    it at once (Redis restarting, a network blip); new connections are accepted."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.writers: set[asyncio.StreamWriter] = set()
        self.cuts = 0
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> str:
        self.thread.start()
        self.ready.wait(10)
        return f"redis://127.0.0.1:{self.port}/0"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port)
        )
        self.ready.set()
        self.loop.run_forever()
        server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            target.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}

    def cut(self) -> int:
        """Close every connection through the relay now; how many there were."""
        done = threading.Event()
        count = [0]

        def close_all() -> None:
            count[0] = len(self.writers) // 2
            for writer in list(self.writers):
                with contextlib.suppress(Exception):
                    writer.transport.abort()
            self.writers.clear()
            done.set()

        self.loop.call_soon_threadsafe(close_all)
        done.wait(5)
        self.cuts += 1
        return count[0]

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def delete_keys(prefix: str) -> None:
    import redis

    host, port = redis_address()
    client = redis.Redis(host=host, port=port)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        keys += list(client.scan_iter(match=f"{prefix}#*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# -- the load ----------------------------------------------------------------------------


@dataclass
class Turn:
    sender: str
    text: str
    started: float
    message_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ended: float = 0.0
    attempts: int = 0
    answered: bool = False
    errors: list[str] = field(default_factory=list)
    failed_at: list[float] = field(default_factory=list)


async def attempt(session: aiohttp.ClientSession, url: str, turn: Turn) -> bool:
    turn.attempts += 1
    answered = await _attempt(session, url, turn)
    if not answered:
        turn.failed_at.append(time.monotonic())
    return answered


async def _attempt(session: aiohttp.ClientSession, url: str, turn: Turn) -> bool:
    try:
        async with session.post(
            url,
            json={
                "sender": turn.sender,
                "message": turn.text,
                "metadata": {"message_id": turn.message_id},
            },
            timeout=TURN_TIMEOUT,
        ) as answer:
            body = await answer.json(content_type=None) if answer.status == 200 else None
            if answer.status != 200:
                turn.errors.append(f"status {answer.status}")
                return False
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        turn.errors.append(type(exc).__name__)
        return False
    if not body:
        turn.errors.append("empty answer")
        return False
    return True


async def conversation(
    session: aiohttp.ClientSession, url: str, sender: str, turns: list[Turn], stop_at: float
) -> None:
    for text_ in SCRIPT[:TURNS]:
        if time.monotonic() > stop_at:
            return
        turn = Turn(sender, text_, time.monotonic())
        turns.append(turn)
        turn.answered = await attempt(session, url, turn)
        if not turn.answered:
            await asyncio.sleep(RETRY_AFTER)
            turn.answered = await attempt(session, url, turn)
        turn.ended = time.monotonic()


async def load(stack: Stack, relay: Relay) -> tuple[list[Turn], list[dict[str, Any]]]:
    url = stack.web_url + "/webhooks/rest/webhook"
    turns: list[Turn] = []
    faults: list[dict[str, Any]] = []
    total = CONVERSATIONS * TURNS
    stop_at = time.monotonic() + DEADLINE
    connector = aiohttp.TCPConnector(limit=CONVERSATIONS * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        senders = [f"resilience-{n}-{uuid.uuid4().hex[:8]}" for n in range(CONVERSATIONS)]
        tasks = [
            asyncio.create_task(conversation(session, url, sender, turns, stop_at))
            for sender in senders
        ]
        pending = list(FAULTS)
        while not all(task.done() for task in tasks):
            await asyncio.sleep(0.05)
            done = sum(1 for turn in turns if turn.ended)
            if pending and done >= pending[0][0] * total:
                _, what = pending.pop(0)
                faults.append({"fault": what, "at": time.monotonic(), **inject(stack, relay, what)})
        await asyncio.gather(*tasks)
    return turns, faults


def inject(stack: Stack, relay: Relay, what: str) -> dict[str, Any]:
    verb, name = what.split()
    if verb == "kill":
        child = stack.child(name)
        assert child.process is not None
        os.kill(child.process.pid, signal.SIGKILL)
        return {"pid": child.process.pid}
    return {"connections_cut": relay.cut()}


# -- the record --------------------------------------------------------------------------


def recorded_users(database_url: str, senders: set[str]) -> dict[str, list[str]]:
    """The user texts of each conversation in Rasa's tracker store (its `events` table)."""
    import json

    engine = create_engine(database_url, future=True)
    found: dict[str, list[str]] = {sender: [] for sender in senders}
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
            )
            for sender, data in rows:
                if sender in found:
                    found[sender].append(json.loads(data).get("text"))
    finally:
        engine.dispose()
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000, 1)


def summarize(
    turns: list[Turn], faults: list[dict[str, Any]], recorded: dict[str, list[str]], t0: float
) -> dict[str, Any]:
    answered = [turn for turn in turns if turn.answered]
    duplicated = sum(
        count - 1 for texts in recorded.values() for count in Counter(texts).values() if count > 1
    )
    unrecorded = 0
    for sender, texts in recorded.items():
        unrecorded += sum(
            1 for t in turns if t.sender == sender and t.answered and t.text not in texts
        )
    latencies = [turn.ended - turn.started for turn in answered]
    report_faults = []
    times = [fault.pop("at") for fault in faults]
    for number, (fault, at) in enumerate(zip(faults, times, strict=True)):
        touched = [
            turn
            for turn in turns
            if turn.started <= at + TARGET_RECOVERY and (turn.ended == 0 or turn.ended >= at)
        ]
        until = times[number + 1] if number + 1 < len(times) else float("inf")
        failures = [when for turn in turns for when in turn.failed_at if at <= when < until]
        slowest = max((turn.ended - at for turn in touched if turn.answered), default=0.0)
        report_faults.append(
            {
                **fault,
                "at_s": round(at - t0, 1),
                "failed_attempts_after": len(failures),
                "recovered_s": round(max(failures, default=at) - at, 2),
                "turns_in_flight_or_within_5s": len(touched),
                "slowest_of_them_s": round(slowest, 2),
            }
        )
    errors = Counter(error for turn in turns for error in turn.errors)
    return {
        "conversations": CONVERSATIONS,
        "turns_planned": CONVERSATIONS * TURNS,
        "turns_answered": len(answered),
        "turns_lost": CONVERSATIONS * TURNS - len(answered),
        "retries": sum(turn.attempts - 1 for turn in turns),
        "failed_attempts_by_kind": dict(errors),
        "duplicated_user_events": duplicated,
        "answered_but_not_recorded": unrecorded,
        "turn_p50_ms": percentile(latencies, 0.5),
        "turn_p95_ms": percentile(latencies, 0.95),
        "turn_max_ms": percentile(latencies, 1.0),
        "faults": report_faults,
    }


def run() -> dict[str, Any]:
    prefix = f"relaisbench{uuid.uuid4().hex[:10]}"
    relay = Relay(redis_address())
    redis_url = relay.start()
    try:
        with fresh_database() as database, tempfile.TemporaryDirectory(prefix="bench-res-") as tmp:
            options = StackOptions(
                web=True,
                token="bench-resilience-token",
                database_url=database,
                redis_url=redis_url,
                redis_prefix=prefix,
                rasa_servers=2,
                env=UNLIMITED,
            )
            stack = Stack(Path(tmp), options)
            started = time.monotonic()
            stack.start()
            startup = time.monotonic() - started
            watcher = threading.Thread(target=stack.supervisor.watch, daemon=True)
            watcher.start()  # restarts what dies, as `relais run` does
            try:
                t0 = time.monotonic()
                turns, faults = asyncio.run(load(stack, relay))
                wall = time.monotonic() - t0
            finally:
                stack.supervisor.stop_event.set()
                watcher.join(timeout=600)
                stack.stop()
            recorded = recorded_users(database, {turn.sender for turn in turns})
    finally:
        relay.stop()
        with contextlib.suppress(Exception):
            delete_keys(prefix)
    result = summarize(turns, faults, recorded, t0)
    result["startup_s"] = round(startup, 1)
    result["load_wall_s"] = round(wall, 1)
    result["turns_per_s"] = round(len(turns) / wall, 2) if wall else 0.0
    result["meets_target"] = (
        result["turns_lost"] == 0
        and result["duplicated_user_events"] == 0
        and all(fault["recovered_s"] <= TARGET_RECOVERY for fault in result["faults"])
    )
    return result
