"""Several instances behind HAProxy (`relais run --instances N`): what `relais run` starts.

The processes themselves are tested in `test_instances.py`; here, their command lines, ports
and the generated HAProxy configuration (checked by HAProxy itself, `haproxy -c`).
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from bot.ops import balancer, runner
from bot.settings import Settings, get_settings

RUN = runner.Ports(web=8080, rasa=5005, actions=5055)


def shared_settings(**changes: object) -> Settings:
    return replace(
        get_settings(),
        tracker_url="postgresql://relais@db.example/relais",
        redis_url="redis://127.0.0.1:6379/0",
        redis_prefix="relaisx",
        instances=2,
        rasa_token="a-token-of-the-installation-000",
        **changes,
    )


def test_each_instance_gets_its_own_ports():
    assert runner.instance_ports(RUN, 1) == (RUN,)
    first, second = runner.instance_ports(RUN, 2)
    assert first == runner.Ports(web=8081, rasa=5005, actions=5056)
    assert second == runner.Ports(web=8082, rasa=5006, actions=5057)


def test_two_instances_behind_the_balancer(tmp_path: Path):
    if balancer.haproxy_path() is None:
        pytest.skip("haproxy is not installed (make install installs it)")
    settings = shared_settings()
    children = runner.build_children(
        settings, tmp_path / "m.tar.gz", RUN,
        tracker_db=tmp_path / "t.db", run_dir=tmp_path / "run",
        instances=runner.instance_ports(RUN, 2),
    )  # fmt: skip
    by_name = {child.name: child for child in children}
    assert list(by_name) == ["actions", "actions2", "rasa", "rasa2", "web", "web2", "balancer"]
    # every Rasa and action server on 127.0.0.1 only, each on its own port
    assert by_name["actions2"].argv[-1] == "5057"
    assert by_name["actions2"].env["SANIC_HOST"] == "127.0.0.1"
    for name, port in (("rasa", "5005"), ("rasa2", "5006")):
        argv = by_name[name].argv
        assert argv[argv.index("--interface") + 1] == "127.0.0.1"
        assert argv[argv.index("--port") + 1] == port
        # the conversation's lock and the socket.io rooms in Redis, under the prefix
        assert by_name[name].env["RELAIS_REDIS_PREFIX"] == "relaisx"
    # Rasa calls the balancer's action endpoint, which spreads the calls
    endpoints = (tmp_path / "run" / "endpoints.yml").read_text()
    assert "http://127.0.0.1:5055/webhook" in endpoints
    # each web app on loopback, talking to its own Rasa, believing only the balancer
    web2 = by_name["web2"].env
    assert (web2["RELAIS_WEB_HOST"], web2["RELAIS_WEB_PORT"]) == ("127.0.0.1", "8082")
    assert web2["RELAIS_RASA_URL"] == "http://127.0.0.1:5006"
    assert web2["RELAIS_PUBLIC_URL"] == settings.public_url
    assert web2["RELAIS_TRUSTED_PROXIES"].split() == ["127.0.0.1"]
    # HAProxy in the foreground, ready once the public origin answers through it
    haproxy = by_name["balancer"]
    assert haproxy.argv[1:3] == ["-db", "-f"]
    assert haproxy.health_url == f"http://{settings.web_host}:8080/api/v1/health"
    assert "RELAIS_RASA_TOKEN" not in haproxy.env  # no secret in a process that needs none


def test_one_instance_is_unchanged(tmp_path: Path):
    """The default run: three processes on the usual ports, no balancer."""
    children = runner.build_children(
        replace(get_settings(), rasa_token="a-token-of-the-installation-000"),
        tmp_path / "m.tar.gz", RUN,
        tracker_db=tmp_path / "t.db", run_dir=tmp_path / "run",
        instances=runner.instance_ports(RUN, 1),
    )  # fmt: skip
    assert [child.name for child in children] == ["actions", "rasa", "web"]
    assert children[2].health_url.endswith(":8080/api/v1/health")
    assert "RELAIS_TRUSTED_PROXIES" not in children[2].env
    assert not (tmp_path / "run" / "haproxy.cfg").exists()


def test_the_configuration_is_valid_haproxy(tmp_path: Path):
    executable = balancer.haproxy_path()
    if executable is None:
        pytest.skip("haproxy is not installed (make install installs it)")
    text = balancer.config(
        public_host="0.0.0.0",
        public_port=8080,
        web_ports=[8081, 8082],
        actions_port=5055,
        action_ports=[5056, 5057],
    )
    path = balancer.write_config(tmp_path, text)
    checked = subprocess.run(
        [executable, "-c", "-f", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # sticky sessions for socket.io's long-polling; a web app is up while its Rasa answers
    assert f"cookie {balancer.PERSISTENCE_COOKIE} insert" in text
    assert "server web2 127.0.0.1:8082 check cookie web2" in text
    assert "option httpchk GET /webhooks/twilio_sms/" in text
    assert "bind 0.0.0.0:8080" in text and "bind 127.0.0.1:5055" in text
    assert "server actions2 127.0.0.1:5057 check" in text


def test_without_web_apps_only_the_action_endpoint():
    text = balancer.config(
        public_host=None, public_port=8080, web_ports=[], actions_port=5055, action_ports=[5056]
    )
    assert "frontend public" not in text and "listen actions" in text


def test_several_instances_on_postgresql_keep_their_conversations_there():
    env = {"RELAIS_DATABASE_URL": "postgresql://relais@db/relais", "RELAIS_INSTANCES": "2"}
    assert Settings.from_env(env).tracker_url == env["RELAIS_DATABASE_URL"]
    one = {**env, "RELAIS_INSTANCES": "1"}
    assert Settings.from_env(one).tracker_url == ""  # one instance: Rasa's SQLite file
    own = {**env, "RELAIS_TRACKER_URL": "postgresql://relais@db/tracker"}
    assert Settings.from_env(own).tracker_url == own["RELAIS_TRACKER_URL"]


def test_several_instances_refuse_to_start_without_haproxy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setattr(balancer, "haproxy_path", lambda: None)
    with pytest.raises(SystemExit) as stopped:
        runner.refuse_if_unshared(shared_settings())
    assert stopped.value.code == 2
    printed = capsys.readouterr().err
    assert "Refus de démarrer" in printed and "Refusing to start" in printed
    assert printed.count("make install") == 2 and "RELAIS_INSTANCES=2" in printed
