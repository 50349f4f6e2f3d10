"""Fixtures shared by every test area. Area fixtures live in tests/<area>/conftest.py.

`stacks` is the one real-stack fixture: `stacks.get(StackOptions(...))` returns a running
assistant (action server, Rasa, and on request the web app, an SMS sandbox, a counsellor
account — `bot.ops.stack`) started once per session for each set of options, so the areas
that ask for the same thing share the processes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.exit_watchdog import arm_exit_watchdog, remember_exit_status

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bot.ops.stack import Stack, StackOptions


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    remember_exit_status(session, exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    arm_exit_watchdog(config)


class StackPool:
    """Running stacks by options, stopped at the end of the session."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.running: dict[StackOptions, Stack] = {}

    def get(self, options: StackOptions = StackOptions()) -> Stack:  # noqa: B008
        stack = self.running.get(options)
        if stack is None:
            stack = Stack(self.factory.mktemp("stack"), options).start()
            self.running[options] = stack
        return stack

    def release(self, options: StackOptions) -> None:
        """Stop the stack of `options` now (e.g. before its database is dropped)."""
        stack = self.running.pop(options, None)
        if stack is not None:
            stack.stop()

    def stop_all(self) -> None:
        """Every stack stopped at once: one after the other took up to a minute."""
        with ThreadPoolExecutor(max_workers=max(1, len(self.running))) as pool:
            list(pool.map(Stack.stop, self.running.values()))
        self.running.clear()


@pytest.fixture(scope="session")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackPool]:
    pool = StackPool(tmp_path_factory)
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture(scope="session", autouse=True)
def no_canary_in_logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Law 25: at the end of the session, no log any test wrote (every stack's processes,
    under the session's temporary folder) holds a privacy canary (tests/privacy/canaries.py:
    an e-mail, a SIN, a phone number, a postal code, coordinates written by the tests)."""
    yield
    from tests.privacy.canaries import found_in

    leaked = {
        str(path): found_in(path.read_bytes())
        for path in tmp_path_factory.getbasetemp().rglob("*.log*")
        if path.is_file() and found_in(path.read_bytes())
    }
    assert not leaked, f"log lines hold personal data: {leaked}"


@pytest.fixture(scope="session")
def stack(stacks: StackPool) -> Stack:
    """The full stack (tests/stacks.py: FULL), shared by every end-to-end test."""
    from tests.stacks import FULL

    return stacks.get(FULL)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a SQLite database holding the demo directory."""
    from bot.directory.demo import build_demo_tables
    from bot.directory.store import create_engine_from_url, init_db, load_tables

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    engine = create_engine_from_url(url)
    init_db(engine)
    load_tables(engine, build_demo_tables())
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def demo_index(demo_db: str) -> Any:
    from bot.search.engine import load_index

    return load_index(demo_db)


@pytest.fixture
async def person(stack: Stack) -> Any:
    """Someone in the web widget's channel (socket.io) of the shared stack."""
    from tests.people import SocketPerson

    someone = SocketPerson(stack.rasa_url)
    await someone.connect()
    yield someone
    await someone.client.disconnect()
