"""The real stack for end-to-end tests: Rasa (with the Relais hook) and the action server, on
the demo directory in a temporary SQLite database, over free ports.

The model comes from the training cache (`bot.assistant.training.ensure_model()`, trained once)
or from `RELAIS_TEST_MODEL`. Starting the stack takes a minute on two cores, so a test module
shares one stack.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.assistant import runner
from bot.assistant.rasa_client import RasaClient
from bot.settings import get_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def trained_model() -> Path:
    if os.environ.get("RELAIS_TEST_MODEL"):
        return Path(os.environ["RELAIS_TEST_MODEL"])
    try:
        from bot.assistant import training
    except ImportError:
        pytest.skip("no model: bot.assistant.training is not there yet and RELAIS_TEST_MODEL unset")
    return Path(training.ensure_model())


class Stack:
    def __init__(self, supervisor: runner.Supervisor, rasa_url: str, token: str) -> None:
        self.supervisor = supervisor
        self.rasa_url = rasa_url
        self.token = token

    def child(self, name: str) -> runner.Child:
        return next(c for c in self.supervisor.children if c.name == name)

    def client(self) -> RasaClient:
        return RasaClient(self.rasa_url, self.token)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    pytest.importorskip("bot.search", reason="the search area is not there yet")
    from bot.search import search  # noqa: F401  (skip cleanly until it exists)

    tmp = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{tmp / 'relais.db'}"
    runner.ensure_directory(database_url, lambda *a, **k: None)
    model = trained_model()
    settings = replace(get_settings(), database_url=database_url, rasa_token="e2e-token")
    ports = runner.Ports(web=free_port(), rasa=free_port(), actions=free_port())
    children = runner.build_children(
        settings, model, ports, tracker_db=tmp / "tracker.db", with_web=False
    )
    for child in children:
        child.env["RELAIS_ACTION_TIMEOUT"] = "5"
    supervisor = runner.Supervisor(children, lambda *a, **k: None, log_dir=tmp / "log")
    try:
        if not supervisor.start_all():
            logs = {c.name: c.log_path.read_text()[-3000:] for c in children if c.log_path}
            pytest.fail(f"the stack did not start: {logs}")
        yield Stack(supervisor, f"http://127.0.0.1:{ports.rasa}", settings.rasa_token)
    finally:
        supervisor.stop_all()


