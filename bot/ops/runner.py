"""`relais run`: the supervisor of the three processes behind the assistant.

It prepares what they need (demo directory, trained model), then starts the action server,
Rasa (with the Relais hook, `bot.runtime.patches`) and the web application, waits until
each one answers, restarts a child that crashes, and stops them all on Ctrl-C or SIGTERM.
Children run in their own session so a terminal's Ctrl-C reaches only the supervisor, which
then stops them in reverse order. Their output goes to `var/log/<name>.log`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.settings import (
    CREDENTIALS_FILE,
    ENDPOINTS_FILE,
    MODELS_DIR,
    ROOT,
    VAR_DIR,
    Settings,
    get_settings,
)

LOG_DIR = VAR_DIR / "log"
DEFAULT_TRACKER_DB = VAR_DIR / "tracker.db"
RUN_DIR = VAR_DIR / "run"
"""Files written for the running processes (their endpoints.yml)."""

QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
}
"""No telemetry, no downloads, quiet logs: for every child process."""

LOCK_LEASE_SECONDS = 5
"""Lifetime of a conversation's lock on Redis: the holder renews it every third while its turn
runs, so it only bounds how long the conversations of a killed Rasa server wait before another
instance takes them (Rasa's default, 60 s, would leave a person unanswered for a minute)."""

KEEP_ALIVE_ENV = {"SANIC_KEEP_ALIVE_TIMEOUT": "75"}
"""Rasa and the action server (Sanic) keep an idle connection longer than their aiohttp
clients do (15 s: Rasa calling the action server, the web app calling Rasa), so a client
never sends a request on a connection the server is closing at that instant ("Cannot write to
closing transport": the action failed and the person was told the service was unavailable)."""


@dataclass
class Child:
    """One supervised process: how to start it and how to tell it is ready."""

    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    startup_timeout: float = 180.0
    process: subprocess.Popen | None = None
    restarts: int = 0
    log_path: Path | None = None

    def start(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{self.name}.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env={**os.environ, **QUIET_ENV, **KEEP_ALIVE_ENV, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds."""
        if not self.running():
            return
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def is_healthy(url: str, timeout: float = 2.0) -> bool:
    """Whether `url` answers with a status below 500."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (OSError, ValueError):
        return False


def wait_healthy(child: Child, stop: threading.Event) -> bool:
    """Poll the child's health URL until it answers, it dies, or the timeout passes."""
    deadline = time.monotonic() + child.startup_timeout
    while time.monotonic() < deadline and not stop.is_set():
        if not child.running():
            return False
        if is_healthy(child.health_url):
            return True
        time.sleep(0.5)
    return False


@dataclass(frozen=True)
class Ports:
    """Where one run is reached: the public origin, the first Rasa server, the action
    endpoint Rasa calls. With one instance, the processes themselves; with several, the
    public origin and the action endpoint are the balancer's (`bot.ops.balancer`)."""

    web: int = 8080
    rasa: int = 5005
    actions: int = 5055


def instance_ports(ports: Ports, instances: int) -> tuple[Ports, ...]:
    """The ports of each of `instances` (web app, Rasa, action server) beside the run's
    `ports`: one instance is the run itself; the n-th of several listens on web+n, rasa+n-1,
    actions+n (the public port and the action endpoint stay the balancer's)."""
    if instances <= 1:
        return (ports,)
    return tuple(
        Ports(web=ports.web + n, rasa=ports.rasa + n - 1, actions=ports.actions + n)
        for n in range(1, instances + 1)
    )


def child_env(settings: Settings, ports: Ports, tracker_db: Path) -> dict[str, str]:
    """The environment every child shares (secrets here, never on a command line)."""
    tracker = {"RELAIS_TRACKER_URL": settings.tracker_url} if settings.tracker_url else {}
    redis = (
        {"RELAIS_REDIS_URL": settings.redis_url, "RELAIS_REDIS_PREFIX": settings.redis_prefix}
        if settings.redis_url
        else {}
    )  # the children share limits, SMS order and console state under the same prefix
    return {
        **tracker,
        **redis,
        "RELAIS_DATABASE_URL": settings.database_url,
        "RELAIS_RASA_TOKEN": settings.rasa_token,
        "RELAIS_SECRET_KEY": settings.secret_key,
        "RELAIS_WEB_HOST": settings.web_host,
        "RELAIS_PUBLIC_URL": settings.public_url,
        "RELAIS_ALLOWED_ORIGINS": " ".join(settings.allowed_origins),
        "RELAIS_RASA_URL": f"http://127.0.0.1:{ports.rasa}",
        "RELAIS_ACTION_SERVER_URL": f"http://127.0.0.1:{ports.actions}/webhook",
        "RELAIS_TRACKER_DB": str(tracker_db),
        "RELAIS_WEB_PORT": str(ports.web),
    }


def write_endpoints(
    run_dir: Path,
    ports: Ports,
    tracker_db: Path,
    tracker_url: str = "",
    *,
    redis_url: str = "",
    redis_prefix: str = "relais",
    instances: int = 1,
) -> Path:
    """The root `endpoints.yml` with this run's action-server port and tracker store: the
    SQLite file `tracker_db`, or the database `tracker_url` (`RELAIS_TRACKER_URL`).

    Rasa substitutes `${VAR}` in endpoints.yml but refuses to start when one is unset, so the
    root file keeps plain defaults for `rasa run` and each supervised run gets its own copy.
    A tracker URL stays in the environment (it may hold a password): the copy names the
    variable as the store's `url`, which Rasa gives a custom store as its `host`, and
    Rasa's SQL store takes a whole URL there. So does a Redis URL (`RELAIS_REDIS_URL`): with
    one, the conversation lock is `RelaisRedisLockStore` under `redis_prefix`, shared by every
    Rasa server; without, the root file's in-memory lock (one server). With several `instances`, the
    tracker store keeps no conversation in memory: its cache is exact for one writer only.
    """
    endpoints = yaml.safe_load(ENDPOINTS_FILE.read_text(encoding="utf-8")) or {}
    endpoints.setdefault("action_endpoint", {})["url"] = f"http://127.0.0.1:{ports.actions}/webhook"
    store = endpoints.get("tracker_store") or {}
    if tracker_url and store:
        for key in ("dialect", "db", "host", "port", "username", "password", "login_db"):
            store.pop(key, None)
        store["url"] = "${RELAIS_TRACKER_URL}"
    elif store.get("dialect") == "sqlite":
        store["db"] = str(tracker_db)
    if store and instances > 1:
        store["cache_conversations"] = 0
    if redis_url:
        endpoints["lock_store"] = {
            "type": "bot.runtime.lock_store.RelaisRedisLockStore",
            "url": "${RELAIS_REDIS_URL}",
            "key_prefix": redis_prefix,
            "lease_seconds": LOCK_LEASE_SECONDS,
        }
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


def build_children(
    settings: Settings,
    model: Path,
    ports: Ports,
    *,
    tracker_db: Path = DEFAULT_TRACKER_DB,
    run_dir: Path = RUN_DIR,
    cors: tuple[str, ...] | None = None,
    with_web: bool = True,
    instances: tuple[Ports, ...] = (),
) -> list[Child]:
    """The action server, Rasa and (optionally) the web app, in start order.

    With several `instances` (their ports: `instance_ports`), one of each per instance
    (`actions`, `actions2`, …, `rasa`, `rasa2`, …, `web`, `web2`, …) on the same stores, then
    the balancer (`bot.ops.balancer`): the public origin on `ports.web` in front of the web
    apps, each talking to its own Rasa, and the action endpoint on `ports.actions` in front
    of the action servers, which every Rasa calls.

    Rasa and the action server listen on 127.0.0.1 only: people reach Rasa's channels
    through the web app's proxy (`bot.web.rasa_proxy`), on the one public origin. Rasa's
    CORS allows `cors` (default: `RELAIS_ALLOWED_ORIGINS`), never `*`.
    """
    own = instances or (ports,)
    several = len(own) > 1
    env = child_env(settings, ports, tracker_db)
    tracker_db.parent.mkdir(parents=True, exist_ok=True)
    endpoints = write_endpoints(
        run_dir,
        ports,
        tracker_db,
        settings.tracker_url,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_prefix,
        instances=max(settings.instances, len(own)),
    )
    children = [
        Child(
            numbered("actions", number),
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(mine.actions)],
            f"http://127.0.0.1:{mine.actions}/health",
            {**env, "SANIC_HOST": "127.0.0.1"},  # rasa_sdk's only interface setting
        )
        for number, mine in enumerate(own, start=1)
    ]
    rasa_servers = [
        rasa_child(settings, model, mine.rasa, endpoints, env, cors, name=numbered("rasa", number))
        for number, mine in enumerate(own, start=1)
    ]
    for server in rasa_servers:  # they load their models at once, on the same cores
        server.startup_timeout *= len(rasa_servers)
    children += rasa_servers
    if with_web:
        children += [
            web_child(settings, mine, tracker_db, name=numbered("web", number), behind=several)
            for number, mine in enumerate(own, start=1)
        ]
    if several:
        children.append(balancer_child(settings, ports, own, run_dir, with_web=with_web))
    return children


def numbered(kind: str, number: int) -> str:
    """A child's name: `rasa` for the first instance, `rasa2`, `rasa3`… for the others."""
    return kind if number == 1 else f"{kind}{number}"


def rasa_child(
    settings: Settings,
    model: Path,
    port: int,
    endpoints: Path,
    env: dict[str, str],
    cors: tuple[str, ...] | None = None,
    name: str = "rasa",
) -> Child:
    """One Rasa server on `port` with the run's endpoints (another one on the same action
    server and stores is one more instance)."""
    return Child(
        name,
        [
            sys.executable, "-m", "bot.ops.rasa_cli", "run",
            "--model", str(model),
            "--endpoints", str(endpoints),
            "--credentials", str(CREDENTIALS_FILE),
            "--enable-api",
            "--cors", *(cors if cors is not None else settings.allowed_origins),
            "--interface", "127.0.0.1", "--port", str(port),
        ],
        f"http://127.0.0.1:{port}/",
        dict(env),
        startup_timeout=300.0,
    )  # fmt: skip


def web_child(
    settings: Settings,
    ports: Ports,
    tracker_db: Path = DEFAULT_TRACKER_DB,
    *,
    name: str = "web",
    behind: bool = False,
) -> Child:
    """The web application, talking to the Rasa of `ports` (whether it runs or not).

    `behind` the balancer, it listens on 127.0.0.1 only and believes the balancer's
    `X-Forwarded-For` (the balancer appends the real peer, so a person cannot forge it)."""
    env = child_env(settings, ports, tracker_db)
    host = settings.web_host
    if behind:
        host = env["RELAIS_WEB_HOST"] = "127.0.0.1"
        trusted = dict.fromkeys([*settings.trusted_proxies, "127.0.0.1"])
        env["RELAIS_TRUSTED_PROXIES"] = " ".join(trusted)
    return Child(
        name,
        [sys.executable, "-m", "bot.ops.runner", "serve-web"],
        f"http://{host}:{ports.web}/api/v1/health",
        env,
    )


def balancer_child(
    settings: Settings,
    ports: Ports,
    instances: tuple[Ports, ...],
    run_dir: Path,
    *,
    with_web: bool = True,
) -> Child:
    """HAProxy with its generated configuration (`bot.ops.balancer`), in the foreground.

    Ready once the public origin answers through it (without web apps: the action endpoint)."""
    from bot.ops import balancer

    executable = balancer.haproxy_path()
    if executable is None:
        raise FileNotFoundError("haproxy")
    path = balancer.write_config(
        run_dir,
        balancer.config(
            public_host=settings.web_host,
            public_port=ports.web,
            web_ports=[mine.web for mine in instances] if with_web else [],
            actions_port=ports.actions,
            action_ports=[mine.actions for mine in instances],
        ),
    )
    health = (
        f"http://{settings.web_host}:{ports.web}/api/v1/health"
        if with_web
        else f"http://127.0.0.1:{ports.actions}/health"
    )
    return Child("balancer", [executable, "-db", "-f", str(path)], health, startup_timeout=60.0)


def kind_of(child: Child) -> str:
    """`rasa` for `rasa`, `rasa2`, `rasa3`…: what the instances of one process share."""
    return child.name.rstrip("0123456789")


class Supervisor:
    """Starts children in order, restarts crashed ones, stops all on a signal."""

    def __init__(
        self,
        children: list[Child],
        say: Callable[..., None],
        *,
        log_dir: Path = LOG_DIR,
        max_restarts: int = 5,
    ) -> None:
        self.children = children
        self.say = say
        self.log_dir = log_dir
        self.max_restarts = max_restarts
        self.stop_event = threading.Event()

    def request_stop(self, *_: object) -> None:
        self.stop_event.set()

    def start_all(self) -> bool:
        """Start the children in order; the instances of one kind (`rasa`, `rasa2`, …) start
        together, and the next kind once they all answer."""
        batches: list[list[Child]] = []
        for child in self.children:
            if batches and kind_of(batches[-1][0]) == kind_of(child):
                batches[-1].append(child)
            else:
                batches.append([child])
        for batch in batches:
            for child in batch:
                child.start(self.log_dir)
            for child in batch:
                if not wait_healthy(child, self.stop_event):
                    if not self.stop_event.is_set():
                        self.say("dialogue.run.failed", name=child.name, log=child.log_path)
                    return False
                url = child.health_url.split("?")[0]
                self.say("dialogue.run.started", name=child.name, url=url)
        return True

    def watch(self, poll: float = 1.0) -> None:
        """Until asked to stop: restart any child that exited."""
        while not self.stop_event.wait(poll):
            for child in self.children:
                if child.running() or self.stop_event.is_set():
                    continue
                code = child.process.returncode if child.process else None
                if child.restarts >= self.max_restarts:
                    self.say("dialogue.run.failed", name=child.name, log=child.log_path)
                    self.stop_event.set()
                    break
                child.restarts += 1
                self.say("dialogue.run.restarting", name=child.name, code=code)
                child.start(self.log_dir)
                wait_healthy(child, self.stop_event)

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()

    def run(self, on_ready: Callable[[], None] | None = None) -> int:
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            if not self.start_all():
                return 1
            if on_ready:
                on_ready()
            self.watch()
            return 0
        finally:
            self.say("dialogue.run.stopping")
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def ensure_directory(database_url: str, say: Callable[..., None]) -> None:
    """Migrate the schema (here, once, before any child starts), then load the demo
    directory when the database has no service yet."""
    from sqlalchemy import inspect, text

    from bot.db import upgrade_and_say
    from bot.directory.store import create_engine_from_url, load_tables

    upgrade_and_say(database_url, say)
    engine = create_engine_from_url(database_url)
    try:
        if inspect(engine).has_table("service"):
            with engine.connect() as connection:
                if connection.execute(text("SELECT 1 FROM service LIMIT 1")).first():
                    return
        from bot.directory import demo

        say("dialogue.run.building_directory")
        load_tables(engine, demo.build_demo_tables())
    finally:
        engine.dispose()


def ensure_model() -> Path:
    """The trained model, trained first when missing or stale (the NLU area's cache).

    Without the training module, the newest `models/*.tar.gz`; FileNotFoundError if none.
    """
    try:
        from bot.ops import training
    except ImportError:
        models = sorted(MODELS_DIR.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
        if not models:
            raise FileNotFoundError(MODELS_DIR) from None
        return models[-1]
    return Path(training.ensure_model())


def refuse_if_exposed(settings: Settings) -> None:
    """Exit (code 2, both languages) rather than listen beyond loopback on a weak secret."""
    from bot.texts import t

    problem = settings.exposure_problem()
    if problem is None:
        return
    for language in ("fr", "en"):
        print(
            t("dialogue.run.weak_secret", language, host=settings.web_host, name=problem),
            file=sys.stderr,
        )
    raise SystemExit(2)


def refuse_if_unshared(settings: Settings) -> None:
    """Exit (code 2, both languages) rather than run several instances on stores that are
    one process's (the in-memory lock, a SQLite tracker file) or without the balancer."""
    from bot.texts import t

    problem = settings.instances_problem()
    if problem is None and settings.instances > 1:
        from bot.ops.balancer import haproxy_path

        problem = None if haproxy_path() else "dialogue.run.instances_need_haproxy"
    if problem is None:
        return
    for language in ("fr", "en"):
        print(t(problem, language, instances=settings.instances), file=sys.stderr)
    raise SystemExit(2)


def serve_web() -> None:
    """The web application (a child of `relais run`)."""
    from aiohttp import web

    from bot.privacy.log_filter import install_everywhere
    from bot.web.app import create_app

    install_everywhere()  # Law 25: no message text, number or address in the web app's log
    settings = get_settings()
    refuse_if_exposed(settings)
    web.run_app(create_app(settings), host=settings.web_host, port=settings.web_port, print=None)


if __name__ == "__main__" and sys.argv[1:] == ["serve-web"]:
    serve_web()
