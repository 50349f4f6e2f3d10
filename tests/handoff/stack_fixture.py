"""The real stack for the handoff end-to-end tests: action server, Rasa (socket.io + REST +
HTTP API) and the web app, started by `bot.assistant.runner` like `relais run` does, on the
demo directory in a temporary SQLite database, with one counsellor created by the CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from bot.assistant import runner
from bot.settings import ROOT, get_settings

TOKEN = "handoff-e2e-token"
EMAIL, PASSWORD = "julie@example.org", "un mot de passe solide"
OPEN_NOW = "2024-06-24T10:00:00-04:00"  # a holiday, 10 h: counsellors answer
CLOSED_NOW = "2024-06-24T22:30:00-04:00"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def trained_model() -> Path:
    """`RELAIS_TEST_MODEL`, or the NLU area's cached model for the current inputs."""
    if os.environ.get("RELAIS_TEST_MODEL"):
        return Path(os.environ["RELAIS_TEST_MODEL"])
    from bot.assistant import training

    return Path(training.ensure_model())


class HandoffStack:
    """The running processes and how to reach them."""

    def __init__(self, supervisor: runner.Supervisor, ports: runner.Ports, database_url: str):
        self.supervisor = supervisor
        self.ports = ports
        self.database_url = database_url
        self.rasa_url = f"http://127.0.0.1:{ports.rasa}"
        self.web_url = f"http://127.0.0.1:{ports.web}"

    def child(self, name: str) -> runner.Child:
        return next(c for c in self.supervisor.children if c.name == name)

    def restart(self, name: str, **env: str) -> None:
        """Stop a process and start it again (with extra environment), waiting until ready."""
        child = self.child(name)
        child.stop()
        child.env.update(env)
        child.start(self.supervisor.log_dir)
        if not runner.wait_healthy(child, threading.Event()):
            pytest.fail(f"{name} did not come back: {child.log_path.read_text()[-3000:]}")


def start_stack(tmp: Path) -> HandoffStack:
    database_url = f"sqlite:///{tmp / 'relais.db'}"
    runner.ensure_directory(database_url, lambda *a, **k: None)
    settings = replace(get_settings(), database_url=database_url, rasa_token=TOKEN)
    ports = runner.Ports(web=free_port(), rasa=free_port(), actions=free_port())
    children = runner.build_children(settings, trained_model(), ports, tracker_db=tmp / "t.db")
    for child in children:
        child.env.update(
            {
                "RELAIS_SECRET_KEY": "handoff-e2e-secret",
                "RELAIS_HANDOFF_NOW": OPEN_NOW,
                "RELAIS_HANDOFF_POLL_INTERVAL": "0.2",
                "RELAIS_ACTION_TIMEOUT": "20",
            }
        )
    add_counsellor(database_url)
    supervisor = runner.Supervisor(children, lambda *a, **k: None, log_dir=tmp / "log")
    if not supervisor.start_all():
        logs = {c.name: c.log_path.read_text()[-3000:] for c in children if c.log_path}
        supervisor.stop_all()
        pytest.fail(f"the stack did not start: {logs}")
    return HandoffStack(supervisor, ports, database_url)


def add_counsellor(database_url: str) -> None:
    """Through the real CLI, password on stdin."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "counsellor", "add", EMAIL, "--name", "Julie",
         "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "RELAIS_DATABASE_URL": database_url},
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "counsellor", "list"],
        capture_output=True, text=True, cwd=ROOT, check=True,
        env={**os.environ, "RELAIS_DATABASE_URL": database_url},
    )  # fmt: skip
    assert EMAIL in listed.stdout
