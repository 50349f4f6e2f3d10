"""The `relais run` supervisor: start in order, wait for health, restart a crash, stop all."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import yaml

from bot.ops import runner
from bot.ops.stack import free_port
from bot.settings import ROOT, get_settings


def http_child(name: str = "web") -> runner.Child:
    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    return runner.Child(name, argv, f"http://127.0.0.1:{port}/", startup_timeout=20)


def test_start_restart_and_stop(tmp_path):
    child = http_child()
    said = []
    supervisor = runner.Supervisor(
        [child], lambda key, **v: said.append(key), log_dir=tmp_path, max_restarts=2
    )
    assert supervisor.start_all()
    first_pid = child.process.pid
    watcher = threading.Thread(target=supervisor.watch, kwargs={"poll": 0.1})
    watcher.start()
    try:
        child.process.kill()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            child.process.pid == first_pid or not runner.is_healthy(child.health_url)
        ):
            time.sleep(0.1)
        assert child.process.pid != first_pid and runner.is_healthy(child.health_url)
        assert "dialogue.run.restarting" in said
    finally:
        supervisor.request_stop()
        watcher.join(5)
        supervisor.stop_all()
    assert child.process.poll() is not None


def test_a_child_that_dies_fails_the_start(tmp_path):
    dead = runner.Child(
        "dead", [sys.executable, "-c", "raise SystemExit(3)"], "http://127.0.0.1:9/"
    )
    said = []
    supervisor = runner.Supervisor([dead], lambda key, **v: said.append(key), log_dir=tmp_path)
    assert not supervisor.start_all()
    assert said == ["dialogue.run.failed"]


def test_children_command_lines(tmp_path):
    settings = replace(get_settings(), rasa_token="secret", secret_key="key",
                       allowed_origins=("https://211.example.org", "https://partner.example"))  # fmt: skip
    ports = runner.Ports(web=1, rasa=2, actions=3)
    children = runner.build_children(
        settings, tmp_path / "m.tar.gz", ports, tracker_db=tmp_path / "t.db",
        run_dir=tmp_path / "run",
    )  # fmt: skip
    assert [c.name for c in children] == ["actions", "rasa", "web"]
    rasa = children[1].argv
    assert rasa[1:4] == ["-m", "bot.ops.rasa_cli", "run"]  # plain `rasa`, token from the env
    assert "--enable-api" in rasa and "--auth-token" not in rasa and "secret" not in rasa
    assert children[1].env["RELAIS_RASA_TOKEN"] == "secret"
    # CORS: the allowed origins, never `*`; Rasa and the actions on loopback only
    cors = rasa.index("--cors")
    assert rasa[cors + 1 : cors + 3] == ["https://211.example.org", "https://partner.example"]
    assert "*" not in rasa
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    assert children[0].env["SANIC_HOST"] == "127.0.0.1"
    assert all(c.env["RELAIS_SECRET_KEY"] == "key" for c in children)
    assert not any("secret" in arg or arg == "key" for c in children for arg in c.argv)
    custom = runner.build_children(settings, tmp_path / "m.tar.gz", ports, tracker_db=tmp_path / "t.db",
                                   run_dir=tmp_path / "run", cors=("http://x",))  # fmt: skip
    assert custom[1].argv[custom[1].argv.index("--cors") + 1 :][:2] == ["http://x", "--interface"]
    assert rasa[rasa.index("--credentials") + 1] == str(ROOT / "credentials.yml")
    endpoints = yaml.safe_load(Path(rasa[rasa.index("--endpoints") + 1]).read_text())
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:3/webhook"
    assert endpoints["tracker_store"]["db"] == str(tmp_path / "t.db")
    assert endpoints["tracker_store"]["type"] == "bot.runtime.tracker_store.RelaisTrackerStore"
    env = children[1].env
    assert env["RELAIS_ACTION_SERVER_URL"] == "http://127.0.0.1:3/webhook"
    assert env["RELAIS_TRACKER_DB"] == str(tmp_path / "t.db")


def test_a_tracker_url_goes_to_rasa_by_environment(tmp_path):
    """`RELAIS_TRACKER_URL` (e.g. PostgreSQL): Rasa's SQL store gets the whole URL as its
    `host` (endpoints.yml's `url`), named there by variable only (a password stays out of the file)."""
    url = "postgresql://relais:a-password@db.example:5432/relais"
    settings = replace(get_settings(), tracker_url=url)
    ports = runner.Ports(web=1, rasa=2, actions=3)
    children = runner.build_children(
        settings, tmp_path / "m.tar.gz", ports, tracker_db=tmp_path / "t.db",
        run_dir=tmp_path / "run",
    )  # fmt: skip
    rasa = children[1]
    path = Path(rasa.argv[rasa.argv.index("--endpoints") + 1])
    assert "a-password" not in path.read_text()
    store = yaml.safe_load(path.read_text())["tracker_store"]
    assert store == {"type": "bot.runtime.tracker_store.RelaisTrackerStore",
                     "url": "${RELAIS_TRACKER_URL}"}  # fmt: skip
    assert all(child.env["RELAIS_TRACKER_URL"] == url for child in children)
    without = runner.build_children(
        replace(settings, tracker_url=""), tmp_path / "m.tar.gz", ports,
        tracker_db=tmp_path / "t.db", run_dir=tmp_path / "run2",
    )  # fmt: skip
    assert all("RELAIS_TRACKER_URL" not in child.env for child in without)


def endpoints_of(child: runner.Child) -> dict:
    return yaml.safe_load(Path(child.argv[child.argv.index("--endpoints") + 1]).read_text())


def test_a_redis_url_gives_rasa_the_shared_lock_by_environment(tmp_path):
    """`RELAIS_REDIS_URL`: Rasa's lock store is `RelaisRedisLockStore`, the URL named by
    variable only (it may hold a password); unset, the in-memory lock of one server
    (`RelaisInMemoryLockStore`, from the root endpoints.yml)."""
    url = "redis://:a-password@cache.example:6379/2"
    settings = replace(get_settings(), redis_url=url, redis_prefix="relaisprod")
    ports = runner.Ports(web=1, rasa=2, actions=3)
    children = runner.build_children(
        settings, tmp_path / "m.tar.gz", ports, tracker_db=tmp_path / "t.db",
        run_dir=tmp_path / "run",
    )  # fmt: skip
    path = Path(children[1].argv[children[1].argv.index("--endpoints") + 1])
    assert "a-password" not in path.read_text()
    assert endpoints_of(children[1])["lock_store"] == {
        "type": "bot.runtime.lock_store.RelaisRedisLockStore",
        "url": "${RELAIS_REDIS_URL}",
        "key_prefix": "relaisprod",
        "lease_seconds": runner.LOCK_LEASE_SECONDS,
    }
    assert all(child.env["RELAIS_REDIS_URL"] == url for child in children)
    assert all(child.env["RELAIS_REDIS_PREFIX"] == "relaisprod" for child in children)
    assert "cache_conversations" not in endpoints_of(children[1])["tracker_store"]
    without = runner.build_children(
        replace(settings, redis_url=""), tmp_path / "m.tar.gz", ports,
        tracker_db=tmp_path / "t.db", run_dir=tmp_path / "run2",
    )  # fmt: skip
    assert endpoints_of(without[1])["lock_store"] == {
        "type": "bot.runtime.memory_lock_store.RelaisInMemoryLockStore"
    }
    assert all("RELAIS_REDIS_URL" not in child.env for child in without)


def test_several_instances_keep_no_conversation_in_memory(tmp_path):
    settings = replace(
        get_settings(),
        tracker_url="postgresql://relais@db.example/relais",
        redis_url="redis://127.0.0.1:6379/0",
        instances=2,
    )
    children = runner.build_children(
        settings, tmp_path / "m.tar.gz", runner.Ports(web=1, rasa=2, actions=3),
        tracker_db=tmp_path / "t.db", run_dir=tmp_path / "run",
    )  # fmt: skip
    store = endpoints_of(children[1])["tracker_store"]
    assert store["cache_conversations"] == 0 and store["url"] == "${RELAIS_TRACKER_URL}"


def test_the_instance_settings_from_the_environment():
    from bot.settings import Settings

    default = Settings.from_env({})
    assert (default.instances, default.redis_url, default.redis_prefix) == (1, "", "relais")
    assert default.instances_problem() is None
    env = {"RELAIS_INSTANCES": "2", "RELAIS_REDIS_URL": "redis://r", "RELAIS_REDIS_PREFIX": "x1"}
    settings = Settings.from_env(env)
    assert (settings.instances, settings.redis_url, settings.redis_prefix) == (2, "redis://r", "x1")


def test_several_instances_refuse_unshared_stores(capsys):
    """More than one instance: no start without Redis or on a SQLite tracker store, with a
    message in both languages naming what to set."""
    shared = replace(
        get_settings(),
        instances=2,
        redis_url="redis://127.0.0.1:6379/0",
        tracker_url="postgresql://relais@db.example/relais",
    )
    runner.refuse_if_unshared(shared)  # fine: returns
    runner.refuse_if_unshared(replace(shared, instances=1, redis_url="", tracker_url=""))
    cases = {
        "RELAIS_REDIS_URL": replace(shared, redis_url=""),
        "RELAIS_TRACKER_URL": replace(shared, tracker_url=""),
    }
    cases_sqlite = replace(shared, tracker_url="sqlite:///var/tracker.db")
    for name, settings in [*cases.items(), ("RELAIS_TRACKER_URL", cases_sqlite)]:
        try:
            runner.refuse_if_unshared(settings)
        except SystemExit as exc:
            assert exc.code == 2
        else:
            raise AssertionError(f"started without {name}")
        printed = capsys.readouterr().err
        assert "Refus de démarrer" in printed and "Refusing to start" in printed
        assert printed.count(name) == 2 and "RELAIS_INSTANCES=2" in printed


def test_relais_run_refuses_two_instances_without_redis():
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env={**env, "RELAIS_INSTANCES": "2", "RELAIS_TRACKER_URL": "postgresql://x@127.0.0.1/x"},
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "RELAIS_REDIS_URL" in done.stderr and "Refusing to start" in done.stderr
