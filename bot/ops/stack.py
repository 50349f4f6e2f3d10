"""A whole assistant on free ports, in a folder of its own: for the tests and the benchmarks.

`Stack(folder, StackOptions(...))` starts what `relais run` starts — the action server, Rasa
and, if asked, the web application — with the same supervisor (`bot.ops.runner`), on the
demo directory in a SQLite file of the folder (or in a database given by URL, PostgreSQL,
with Rasa's tracker store), with the trained model of the content-hash cache. Options add
an SMS sandbox (`bot.ops.sms_sandbox`), a counsellor account, or extra environment for
every process. Nothing is mocked: these are the real processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.ops import runner
from bot.ops.rasa_client import RasaClient
from bot.settings import ROOT, get_settings


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def quiet(*_: Any, **__: Any) -> None:
    """A supervisor that says nothing (the stack's logs are in its folder)."""


class StackFailed(RuntimeError):
    """A process did not start; the message holds the end of each log."""


@dataclass(frozen=True)
class Counsellor:
    email: str
    name: str
    password: str
    role: str = "counsellor"
    """counsellor, staff or admin (`bot.handoff.roles`)."""


@dataclass(frozen=True)
class StackOptions:
    """What to run. Frozen, so equal options can share one running stack."""

    assistant: bool = True
    """The action server and Rasa (False: the web application alone, Rasa unreachable)."""
    web: bool = False
    sms: bool = False
    """An SMS sandbox, and the SMS channel pointed at it."""
    counsellor: Counsellor | None = None
    accounts: tuple[Counsellor, ...] = ()
    """More console accounts (e.g. a staff one)."""
    env: tuple[tuple[str, str], ...] = ()
    """Extra environment of every process, e.g. (("RELAIS_HANDOFF_NOW", "…"),)."""
    token: str = "stack-token"
    secret_key: str = "stack-secret-key"
    web_host: str = "127.0.0.1"
    """Where the web app listens (another loopback address, e.g. 127.0.0.2, plays another host)."""
    database_url: str = ""
    """A database for the application AND Rasa's tracker store (e.g. a PostgreSQL database
    of its own, as `RELAIS_DATABASE_URL` and `RELAIS_TRACKER_URL` in production); empty: two
    SQLite files of the folder."""
    redis_url: str = ""
    """Redis for the conversation lock (`RELAIS_REDIS_URL`); empty: the in-memory lock of one server."""
    redis_prefix: str = "relais"
    """The lock's key prefix in that Redis (`RELAIS_REDIS_PREFIX`), e.g. one per test."""
    rasa_servers: int = 1
    """Instances on the same stores (`RELAIS_INSTANCES`): `actions`, `actions2`, …, `rasa`,
    `rasa2`, … (and `web`, `web2`, … with `web`) behind the balancer (HAProxy, `balancer`);
    more than one needs `database_url` and `redis_url`."""


@dataclass
class Stack:
    """The running processes of one stack, and how to reach them."""

    folder: Path
    options: StackOptions = field(default_factory=StackOptions)
    model: Path | None = None

    def __post_init__(self) -> None:
        from bot.ops.sms_sandbox import SmsSandbox, sms_env

        self.folder.mkdir(parents=True, exist_ok=True)
        self.database_url = self.options.database_url or f"sqlite:///{self.folder / 'relais.db'}"
        self.tracker_url = self.options.database_url or f"sqlite:///{self.folder / 'tracker.db'}"
        self.ports = runner.Ports(
            web=free_port(self.options.web_host), rasa=free_port(), actions=free_port()
        )
        self.sms: SmsSandbox | None = SmsSandbox() if self.options.sms else None
        env = dict(self.options.env)
        env["RELAIS_SECRET_KEY"] = self.options.secret_key
        if self.sms is not None:
            env.update(sms_env(self.sms.start()))
        self.env = env
        public_url = env.get(
            "RELAIS_PUBLIC_URL", f"http://{self.options.web_host}:{self.ports.web}"
        )
        allowed = env.get("RELAIS_ALLOWED_ORIGINS", public_url).split()
        settings = replace(
            get_settings(),
            database_url=self.database_url,
            tracker_url=self.options.database_url,
            redis_url=self.options.redis_url,
            redis_prefix=self.options.redis_prefix,
            instances=self.options.rasa_servers,
            rasa_token=self.options.token,
            secret_key=self.options.secret_key,
            web_host=self.options.web_host,
            public_url=public_url,
            allowed_origins=tuple(allowed),
        )
        runner.ensure_directory(self.database_url, quiet)
        self.instances = self.instance_ports()
        self.rasa_ports = [mine.rasa for mine in self.instances]
        if self.options.assistant:
            model = self.model or runner.ensure_model()
            children = runner.build_children(
                settings,
                model,
                self.ports,
                tracker_db=self.folder / "tracker.db",
                run_dir=self.folder / "run",
                with_web=self.options.web,
                instances=self.instances,
            )
        else:
            children = [runner.web_child(settings, self.ports)]
        for child in children:
            child.env.update(env)
        for account in (self.options.counsellor, *self.options.accounts):
            if account is not None:
                add_counsellor(self.database_url, account)
        self.supervisor = runner.Supervisor(children, quiet, log_dir=self.folder / "log")

    # -- where ---------------------------------------------------------------------------

    def instance_ports(self) -> tuple[runner.Ports, ...]:
        """Each instance's ports: the stack's own for one; free ones for several (the
        stack's `ports` are then the balancer's public origin and action endpoint)."""
        if self.options.rasa_servers <= 1:
            return (self.ports,)
        return tuple(
            runner.Ports(
                web=free_port(),
                rasa=self.ports.rasa if n == 0 else free_port(),
                actions=free_port(),
            )
            for n in range(self.options.rasa_servers)
        )

    @property
    def token(self) -> str:
        return self.options.token

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def web_url(self) -> str:
        """The public origin: the page, the widget, the API and Rasa's channels (proxied);
        with several instances, the balancer in front of their web apps."""
        return f"http://{self.options.web_host}:{self.ports.web}"

    @property
    def rasa_urls(self) -> list[str]:
        """Every Rasa server of the stack (`rasa_url` first)."""
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    @property
    def web_urls(self) -> list[str]:
        """Every web application of the stack, behind the public origin when several."""
        if len(self.instances) == 1:
            return [self.web_url]
        return [f"http://127.0.0.1:{mine.web}" for mine in self.instances]

    def client(self) -> RasaClient:
        return RasaClient(self.rasa_url, self.token)

    def child(self, name: str) -> runner.Child:
        return next(c for c in self.supervisor.children if c.name == name)

    def logs(self, tail: int = 3000) -> str:
        return "\n".join(
            f"--- {c.name}\n{c.log_path.read_text(errors='replace')[-tail:]}"
            for c in self.supervisor.children
            if c.log_path and c.log_path.exists()
        )

    # -- life ----------------------------------------------------------------------------

    def start(self) -> Stack:
        if not self.supervisor.start_all():
            logs = self.logs()
            self.stop()
            raise StackFailed(f"the stack in {self.folder} did not start:\n{logs}")
        return self

    def restart(self, name: str, **env: str) -> None:
        """Stop one process and start it again (with extra environment), until it is ready."""
        child = self.child(name)
        child.stop()
        child.env.update(env)
        child.start(self.supervisor.log_dir)
        if not runner.wait_healthy(child, threading.Event()):
            raise StackFailed(f"{name} did not come back:\n{self.logs()}")

    def stop(self) -> None:
        self.supervisor.stop_all()
        if self.sms is not None:
            self.sms.stop()


def add_counsellor(database_url: str, counsellor: Counsellor) -> None:
    """A console account, through the real CLI (password on stdin)."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "counsellor", "add", counsellor.email,
         "--name", counsellor.name, "--role", counsellor.role, "--password-stdin"],
        input=counsellor.password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "RELAIS_DATABASE_URL": database_url},
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise StackFailed(f"relais counsellor add failed: {done.stderr}")
