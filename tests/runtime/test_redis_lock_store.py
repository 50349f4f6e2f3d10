"""`RelaisRedisLockStore` against the real Redis: one turn at a time per conversation, across
tasks, stores and OS processes; first come, first served; dead holders expire; late releases
are fenced. And Rasa's own `RedisLockStore` races, reproduced: why the class exists.

Each test works under its own key prefix, deleted afterwards. Unreachable Redis: skipped with
the reason, or failed under `CI=true`, as `tests/pg.py` does for PostgreSQL.
"""

from __future__ import annotations

import asyncio
import inspect
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import rasa
import rasa.core.lock_store as rasa_lock_store
import redis
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.core.utils import number_of_sanic_workers
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.runtime.lock_store import RelaisRedisLockStore, apply_url
from tests.services import redis_prefix, redis_url

FAST = {"wait_time_in_seconds": 0.05}
"""Waiters poll often in tests (Rasa polls every second); a release wakes them at once anyway."""


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    with redis_prefix("relaistest") as name:
        yield name


@pytest.fixture
async def servers(prefix: str) -> AsyncIterator[list[RelaisRedisLockStore]]:
    """Two stores on one Redis, as two Rasa servers would have."""
    stores = [RelaisRedisLockStore(url=redis_url(), key_prefix=prefix) for _ in range(2)]
    yield stores
    for store in stores:
        await store.aclose()


def rasa_store(prefix: str, cls: type[RedisLockStore] = RedisLockStore, **extra: Any) -> Any:
    """Rasa's own store on the test server."""
    options: dict[str, Any] = {"port": 6379, "db": 0}
    apply_url(redis_url(), options)
    return cls(key_prefix=prefix, **options, **extra)


def held_ticket(held: Any) -> int:
    return held.tickets[0].number


async def wait_until(predicate: Any) -> None:
    """Wait for a state, however slow the machine (pytest-timeout ends a real hang)."""
    while not predicate():
        await asyncio.sleep(0.01)


def turns_of(lines: list[str]) -> list[str]:
    """The turns of a record of `enter X` / `exit X` lines; fails on any overlap."""
    assert len(lines) % 2 == 0
    turns = []
    for enter, leave in zip(lines[::2], lines[1::2], strict=True):
        assert enter.startswith("enter ") and leave == "exit " + enter[len("enter ") :], (
            enter,
            leave,
        )
        turns.append(enter[len("enter ") :])
    return turns


# -- one turn at a time ----------------------------------------------------------------------


async def test_tasks_on_two_servers_take_turns_one_at_a_time(servers):
    record: list[str] = []

    async def turn(number: int) -> None:
        async with servers[number % 2].lock("c1", **FAST):
            record.append(f"enter {number}")
            for _ in range(3):  # let every other task run meanwhile
                await asyncio.sleep(0)
            record.append(f"exit {number}")

    await asyncio.gather(*(turn(n) for n in range(20)))

    assert sorted(turns_of(record), key=int) == [str(n) for n in range(20)]
    assert servers[0].get_lock("c1") is None  # no ticket left behind


def take_turns(
    url: str, prefix: str, folder: str, barrier: Any, tasks: int, turns: int
) -> None:  # runs in a spawned process
    async def main() -> None:
        store = RelaisRedisLockStore(url=url, key_prefix=prefix)
        record, counter = Path(folder, "record"), Path(folder, "counter")

        async def worker(task: int) -> None:
            for number in range(turns):
                async with store.lock("c1", lock_lifetime=60, **FAST):
                    who = f"{os.getpid()}-{task}-{number}"
                    with record.open("a") as out:
                        out.write(f"enter {who}\n")
                    seen = int(counter.read_text() or "0")  # read, yield, write: loses
                    await asyncio.sleep(0.001)  # updates unless the turns exclude each other
                    counter.write_text(str(seen + 1))
                    with record.open("a") as out:
                        out.write(f"exit {who}\n")

        await asyncio.to_thread(barrier.wait)
        await asyncio.gather(*(worker(task) for task in range(tasks)))
        await store.aclose()

    asyncio.run(main())


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_processes_take_turns_one_at_a_time(prefix, tmp_path):
    processes, tasks, turns = 4, 3, 4
    (tmp_path / "counter").write_text("0")
    (tmp_path / "record").write_text("")
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(processes)
    children = [
        spawn.Process(
            target=take_turns,
            args=(redis_url(), prefix, str(tmp_path), barrier, tasks, turns),
        )
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    for child in children:
        await asyncio.to_thread(child.join)
    assert [child.exitcode for child in children] == [0] * processes

    turns_taken = turns_of((tmp_path / "record").read_text().splitlines())
    assert len(set(turns_taken)) == processes * tasks * turns
    assert len({who.split("-")[0] for who in turns_taken}) == processes
    assert (tmp_path / "counter").read_text() == str(processes * tasks * turns)


# -- first come, first served ----------------------------------------------------------------


async def test_tickets_are_served_in_the_order_they_were_taken(servers):
    holder_in, holder_may_leave = asyncio.Event(), asyncio.Event()
    order: list[int] = []

    async def holder() -> None:
        async with servers[0].lock("c1", **FAST):
            holder_in.set()
            await holder_may_leave.wait()

    async def waiter(number: int) -> None:
        async with servers[number % 2].lock("c1", **FAST):
            order.append(number)

    holding = asyncio.create_task(holder())
    await holder_in.wait()
    waiting = []
    for number in range(8):
        waiting.append(asyncio.create_task(waiter(number)))
        await wait_until(lambda n=number: len(servers[0].get_lock("c1").tickets) == n + 2)

    holder_may_leave.set()
    await asyncio.gather(holding, *waiting)
    assert order == list(range(8))


# -- dead holders and waiters ----------------------------------------------------------------


def hold_and_hang(url: str, prefix: str, lifetime: float, pipe: Any) -> None:  # spawned
    async def main() -> None:
        store = RelaisRedisLockStore(url=url, key_prefix=prefix)
        async with store.lock("c1", lock_lifetime=lifetime, **FAST) as held:
            pipe.send(held_ticket(held))
            await asyncio.sleep(3600)

    asyncio.run(main())


@pytest.mark.slow
@pytest.mark.timeout(120)
async def test_a_holder_killed_in_its_turn_does_not_block_the_conversation(servers, prefix):
    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    child = spawn.Process(target=hold_and_hang, args=(redis_url(), prefix, 2.0, theirs))
    child.start()
    dead_ticket = await asyncio.to_thread(ours.recv)
    os.kill(child.pid, signal.SIGKILL)
    await asyncio.to_thread(child.join)
    assert child.exitcode == -signal.SIGKILL  # it never released its ticket

    async with servers[0].lock("c1", lock_lifetime=30, **FAST) as held:
        assert held_ticket(held) > dead_ticket
        assert [t.number for t in servers[1].get_lock("c1").tickets] == [held_ticket(held)]


async def test_a_ticket_never_released_expires_and_the_next_goes_on(servers):
    abandoned = servers[1].issue_ticket("c1", lock_lifetime=1)
    async with servers[0].lock("c1", lock_lifetime=30, **FAST) as held:
        assert held_ticket(held) > abandoned
    assert servers[0].get_lock("c1") is None


async def test_a_turn_longer_than_its_lifetime_keeps_the_conversation(servers):
    """The holder renews its lease while its turn runs (a dead one stops renewing: above),
    so a short lifetime frees a dead server's conversations soon without cutting long turns."""
    async with servers[0].lock("c1", lock_lifetime=0.3, **FAST) as held:
        ticket, first = held_ticket(held), held.tickets[0].expires

        def deadline() -> float:
            lock = servers[1].get_lock("c1")
            return max((t.expires for t in lock.tickets if t.number == ticket), default=0.0)

        await wait_until(lambda: deadline() > first + 0.3)  # renewed at least twice
        assert [t.number for t in servers[1].get_lock("c1").tickets] == [ticket]
    assert servers[0].get_lock("c1") is None


async def test_a_release_that_meets_a_dropped_connection_never_fails_the_turn(servers):
    """The turn has run and its tracker is saved when the lock is released: a Redis that
    drops the connection then must not turn it into an error (the client would send the
    message again, recorded twice). The release is tried again on a new connection."""
    store = servers[0]
    real = store._run_async
    dropped: list[str] = []

    async def dropping(conversation_id: str, operation: str, *args: Any, **kw: Any) -> Any:
        if operation == "release" and not dropped:
            dropped.append(operation)
            client, _script = store._async_client()
            await client.connection_pool.disconnect()  # the next command reconnects
            raise LockError("Redis failed or unreachable: Connection closed by server.")
        return await real(conversation_id, operation, *args, **kw)

    store._run_async = dropping  # type: ignore[method-assign]
    async with store.lock("c1", lock_lifetime=30, **FAST):
        pass
    assert dropped == ["release"]
    assert servers[1].get_lock("c1") is None  # released at the second try


async def test_a_lock_cancelled_at_any_step_leaves_no_ticket(servers):
    """Cancelled (a client gone) while its ticket is asked for, answered or waited on, a lock
    gives its ticket back. redis-py 4.6 on Python 3.10 may lose a cancellation (see `lock()`):
    that turn then just runs once the holder has left, and must leave no ticket either."""

    async def waiter() -> None:
        async with servers[1].lock("c1", **FAST):
            pass

    for steps in range(30):
        holder = servers[0].issue_ticket("c1", lock_lifetime=300)
        waiting = asyncio.create_task(waiter())
        for _ in range(steps):
            await asyncio.sleep(0)
        waiting.cancel()
        servers[0].release("c1", holder)
        await asyncio.gather(waiting, return_exceptions=True)
        assert servers[0].get_lock("c1") is None, steps


async def test_polling_keeps_a_waiting_ticket_alive(servers):
    store = servers[0]
    store.issue_ticket("c1", lock_lifetime=300)  # the holder
    waiting = store.issue_ticket("c1", lock_lifetime=30)
    (issued_deadline,) = [t.expires for t in store.get_lock("c1").tickets if t.number == waiting]
    state, polled_deadline = store._run("c1", "poll", waiting, lifetime=300)
    assert state == 0  # still waiting, and now for 300 s more
    assert polled_deadline / 1000 > issued_deadline + 200


async def test_a_waiter_whose_ticket_expired_gets_a_lock_error(servers):
    store = servers[0]
    store.issue_ticket("c1", lock_lifetime=30)
    gone = store.issue_ticket("c1", lock_lifetime=0.05)
    await wait_until(lambda: gone not in [t.number for t in store.get_lock("c1").tickets])
    with pytest.raises(LockError, match=r"expiré.*/.*expired"):
        await store._acquire_lock("c1", gone, wait_time_in_seconds=0.01)


# -- fencing ---------------------------------------------------------------------------------


async def test_a_late_release_does_not_free_the_next_turn(servers):
    first, second = servers
    late = first.issue_ticket("c1", lock_lifetime=1)  # served, then its holder stalls
    async with second.lock("c1", lock_lifetime=30, **FAST) as held:
        now_serving = held_ticket(held)
        assert first.release("c1", late) is False  # the stalled holder wakes up and releases
        first.cleanup("c1", late)
        first.finish_serving("c1", late)
        newcomer = first.issue_ticket("c1", lock_lifetime=30)
        lock = first.get_lock("c1")
        assert lock.now_serving == now_serving
        assert lock.is_locked(newcomer)
    assert not first.get_lock("c1").is_locked(newcomer)
    assert first.release("c1", newcomer) is True


# -- why the class exists: Rasa's RedisLockStore ---------------------------------------------


class PausingRedisLockStore(RedisLockStore):
    """Rasa's store, held still between reading the lock and writing it back: the window a
    second server falls into under load, kept open so the race does not depend on luck."""

    def __init__(self, barrier: threading.Barrier, **options: Any) -> None:
        super().__init__(**options)
        self.barrier = barrier

    def get_lock(self, conversation_id: str) -> Any:
        lock = super().get_lock(conversation_id)
        self.barrier.wait(timeout=30)
        return lock


def issue_at_once(stores: list[Any], conversation_id: str, before: Any = None) -> list[int]:
    """Both stores issue a ticket from their own thread, as two servers would."""
    tickets: list[int] = []

    def issue(store: Any) -> None:
        if before:
            before.wait(timeout=30)
        tickets.append(store.issue_ticket(conversation_id, 30))

    threads = [threading.Thread(target=issue, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return tickets


def test_rasa_store_gives_two_servers_the_same_ticket(prefix):
    barrier = threading.Barrier(2)
    stores = [rasa_store(prefix, PausingRedisLockStore, barrier=barrier) for _ in range(2)]

    tickets = issue_at_once(stores, "c1")

    assert tickets == [0, 0]  # the same number: both are "now serving"
    lock = rasa_store(prefix).get_lock("c1")
    assert len(lock.tickets) == 1  # and the second write erased the first ticket
    assert not lock.is_locked(tickets[0]) and not lock.is_locked(tickets[1])


def test_ours_never_gives_two_servers_the_same_ticket(prefix):
    stores = [RelaisRedisLockStore(url=redis_url(), key_prefix=prefix) for _ in range(2)]
    barrier = threading.Barrier(2)
    for round_ in range(50):
        conversation_id = f"c{round_}"
        tickets = issue_at_once(stores, conversation_id, before=barrier)
        lock = stores[0].get_lock(conversation_id)
        assert len(set(tickets)) == 2
        assert sorted(t.number for t in lock.tickets) == sorted(tickets)
        assert [lock.is_locked(t) for t in sorted(tickets)] == [False, True]


def test_rasa_store_lets_a_late_release_free_the_next_turn(prefix):
    store = rasa_store(prefix)
    late = store.issue_ticket("c1", 0.2)  # served, then its holder stalls past its lifetime
    while any(not t.has_expired() for t in store.get_lock("c1").tickets):
        time.sleep(0.05)
    current = store.issue_ticket("c1", 30)
    assert current == late  # the number is given again

    store.cleanup("c1", late)  # the stalled holder releases: it removes `current`'s ticket
    newcomer = store.issue_ticket("c1", 30)

    lock = store.get_lock("c1")
    assert newcomer == current  # two holders, one number,
    assert not lock.is_locked(current) and not lock.is_locked(newcomer)  # both served


async def test_a_lock_left_by_rasas_store_is_replaced(servers, prefix):
    rasa_store(prefix).issue_ticket("c1", 30)  # a JSON lock, never expiring, left at the key
    async with servers[0].lock("c1", **FAST) as held:
        assert [t.number for t in servers[0].get_lock("c1").tickets] == [held_ticket(held)]
    assert servers[0].get_lock("c1") is None


# -- Rasa builds it, calls it ----------------------------------------------------------------


def lock_store_section(tmp_path: Path, monkeypatch: Any, prefix: str, extra: str) -> Any:
    """The `lock_store:` section of an endpoints.yml naming our store, as Rasa reads it."""
    monkeypatch.setenv("RELAIS_TEST_LOCK_URL", redis_url())
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "lock_store:\n"
        "  type: bot.runtime.lock_store.RelaisRedisLockStore\n"
        "  url: ${RELAIS_TEST_LOCK_URL}\n"
        f"  key_prefix: {prefix}\n"
        f"  {extra}\n",
        encoding="utf-8",
    )
    return read_endpoint_config(str(endpoints), "lock_store")


def test_rasa_builds_it_from_endpoints_yml(prefix, tmp_path, monkeypatch):
    config = lock_store_section(tmp_path, monkeypatch, prefix, "socket_timeout: 5")

    store = LockStore.create(config)

    assert type(store) is RelaisRedisLockStore
    ticket = store.issue_ticket("c1", 30)
    assert redis.Redis.from_url(redis_url()).hget(f"{prefix}:lock:c1", str(ticket)) is not None
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(config) == 2  # Rasa allows several workers with it


async def test_the_lease_of_endpoints_yml_is_the_lifetime_rasa_gets(prefix, tmp_path, monkeypatch):
    """Rasa's agent takes a conversation's lock without a lifetime: it gets `lease_seconds`, so
    a ticket its dead server left behind frees the conversation after the lease."""
    store = LockStore.create(
        lock_store_section(tmp_path, monkeypatch, prefix, "lease_seconds: 0.5")
    )
    other = RelaisRedisLockStore(url=redis_url(), key_prefix=prefix)
    try:
        assert store.lease == 0.5 and other.lease == 60  # Rasa's TICKET_LOCK_LIFETIME default
        abandoned = store.issue_ticket("c1")  # its server dies before serving it
        (left,) = other.get_lock("c1").tickets
        assert left.number == abandoned and left.expires - time.time() <= 0.6
        async with store.lock("c1", wait_time_in_seconds=0.05) as held:
            assert held_ticket(held) > abandoned
            assert held.tickets[0].expires - time.time() <= 0.6
    finally:
        await store.aclose()
        await other.aclose()
    with pytest.raises(ValueError, match="lease_seconds"):
        RelaisRedisLockStore(url=redis_url(), key_prefix=prefix, lease_seconds=-1)


class RecordingProcessor:
    """Stands for Rasa's `MessageProcessor` (the model is not under test): records each turn."""

    def __init__(self, record: list[str]) -> None:
        self.record = record

    async def handle_message(self, message: Any) -> list[Any]:
        self.record.append(f"enter {message.text}")
        for _ in range(3):
            await asyncio.sleep(0)
        self.record.append(f"exit {message.text}")
        return []


@pytest.mark.slow
async def test_rasa_agents_of_two_servers_take_one_conversation_turn_by_turn(servers):
    from rasa.core.agent import Agent  # imports TensorFlow: not at module level (spawned workers)
    from rasa.core.channels.channel import UserMessage

    record: list[str] = []
    agents = []
    for store in servers:
        agent = Agent(lock_store=store)
        agent.processor = RecordingProcessor(record)
        agents.append(agent)
    assert [agent.lock_store for agent in agents] == servers

    await asyncio.gather(
        *(agents[n % 2].handle_message(UserMessage(str(n), sender_id="c1")) for n in range(20))
    )

    assert sorted(turns_of(record), key=int) == [str(n) for n in range(20)]


def test_an_unknown_key_in_endpoints_yml_is_refused():
    config = EndpointConfig(url=redis_url(), type="x", passwrd="secret")
    with pytest.raises(ValueError, match=r"passwrd.*/.*passwrd"):
        RelaisRedisLockStore(endpoint_config=config)


@pytest.mark.parametrize(
    "name",
    [
        "lock",
        "issue_ticket",
        "finish_serving",
        "cleanup",
        "get_lock",
        "delete_lock",
        "save_lock",
        "update_lock",
        "is_someone_waiting",
        "get_or_create_lock",
        "_acquire_lock",
    ],
)
def test_rasa_calls_it_as_it_calls_its_own_stores(name):
    ours = inspect.signature(getattr(RelaisRedisLockStore, name))
    theirs = inspect.signature(getattr(LockStore, name))
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()
    ]


def test_it_takes_redis_lock_store_arguments():
    ours = list(inspect.signature(RelaisRedisLockStore.__init__).parameters)
    theirs = list(inspect.signature(RedisLockStore.__init__).parameters)
    assert ours[: len(theirs)] == theirs
    assert ours[len(theirs) :] == ["url", "endpoint_config", "lease_seconds"]


def test_writing_a_whole_lock_back_is_refused(servers):
    with pytest.raises(NotImplementedError, match=r"jamais.*/.*never"):
        servers[0].save_lock(servers[0].create_lock("c1"))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6380/3", {"host": "127.0.0.1", "port": 6380, "db": 3}),
        (
            "rediss://relais:p%40ss@cache.example:6390",
            {"host": "cache.example", "port": 6390, "username": "relais", "password": "p@ss"},
        ),
        ("cache.internal", {"host": "cache.internal"}),
    ],
)
def test_url_gives_the_connection(url, expected):
    options = {"host": "localhost", "port": 6379, "db": 1, "use_ssl": False}
    apply_url(url, options)
    assert {key: options[key] for key in expected} == expected
    assert options["use_ssl"] is url.startswith("rediss://")


def test_an_unsupported_url_is_refused():
    with pytest.raises(ValueError, match=r"non prise en charge.*/.*unsupported"):
        apply_url("unix:///run/redis.sock", {})


# -- written for Rasa 3.6 --------------------------------------------------------------------


def test_it_refuses_another_rasa_version(monkeypatch):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError) as refused:
        RelaisRedisLockStore(url=redis_url())
    message = str(refused.value)
    assert "rasa 3.7.0" in message
    assert "est écrit pour Rasa 3.6" in message and "is written for Rasa 3.6" in message


def test_it_refuses_a_rasa_that_builds_stores_differently(monkeypatch):
    def changed(endpoint_config: Any, lock_lifetime: float) -> Any: ...

    monkeypatch.setattr(rasa_lock_store, "_load_from_module_name_in_endpoint_config", changed)
    with pytest.raises(RuntimeError, match="_load_from_module_name_in_endpoint_config"):
        RelaisRedisLockStore(url=redis_url())
