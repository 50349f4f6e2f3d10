"""deploy/ cannot drift from the code (issue 18, point 6): docker is not run here, so the
files are loaded and checked against what the processes read and what `relais run` does.

- every `RELAIS_*` variable in docker-compose.yml and the Helm values is one the code reads;
- the compose environment, read by `Settings`, passes the checks of several instances
  (Redis, a tracker store on PostgreSQL, strong secrets beyond loopback);
- deploy/endpoints.yml is what `relais run` writes for several instances, and the Helm
  values write the same stores and the same channels as credentials.yml;
- HAProxy balances exactly the compose instances, sticky where socket.io needs it, with
  health checks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.ops import runner
from bot.settings import CREDENTIALS_FILE, ENDPOINTS_FILE, ROOT, Settings

DEPLOY = ROOT / "deploy"
PROCESSES = ("web", "rasa", "actions")
SECRETS = {
    "POSTGRES_PASSWORD": "pg-password",
    "RELAIS_SECRET_KEY": "k" * 8 + "secret-key-for-the-deploy-test",
    "RELAIS_RASA_TOKEN": "t" * 8 + "rasa-token-for-the-deploy-test",
    "RELAIS_PUBLIC_URL": "https://211.example.org",
}


def load(name: str) -> Any:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def names_the_code_reads() -> set[str]:
    """Every `RELAIS_*` name written in the code (and the `RELAIS_LIMIT_*` built from one)."""
    found: set[str] = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        found.update(re.findall(r"RELAIS_[A-Z0-9_]*[A-Z0-9]", source))
        if 'f"RELAIS_LIMIT_{name}"' in source:
            found.update(f"RELAIS_LIMIT_{n}" for n in re.findall(r'number\(\s*"([A-Z_]+)"', source))
    return found


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}`."""

    def one(match: re.Match[str]) -> str:
        name, operator, rest = match.group(1), match.group(2), match.group(3) or ""
        if name in env:
            return env[name]
        assert operator != ":?", f"{name} must be set: {rest}"
        return rest if operator == ":-" else ""

    return re.sub(r"\$\{([A-Z_]+)(:[-?])?([^}]*)\}", one, value)


def service_env(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    return {name: interpolate(str(value), SECRETS) for name, value in raw.items()}


def instances(services: dict[str, Any], process: str) -> list[str]:
    return sorted(name for name in services if re.fullmatch(rf"{process}\d+", name))


def test_compose_runs_two_of_each_process_on_postgres_and_redis_with_health_checks() -> None:
    services = load("docker-compose.yml")["services"]
    for process in PROCESSES:
        assert len(instances(services, process)) >= 2, process
        for name in instances(services, process):
            assert services[name]["healthcheck"]["test"], name
    for store in ("postgres", "redis"):
        assert services[store]["healthcheck"]["test"]
    assert services["migrate"]["command"] == ["relais", "db", "upgrade"]
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["haproxy"]  # one public origin; Rasa and actions stay internal


def test_every_relais_variable_in_deploy_is_read_by_the_code() -> None:
    known = names_the_code_reads()
    services = load("docker-compose.yml")["services"]
    used = {name for service in services.values() for name in service.get("environment") or {}}
    for values in ("helm/rasa-values.yaml", "helm/rasa-action-server-values.yaml"):
        used |= {entry["name"] for entry in load(values)["extraEnv"]}
    relais = {name for name in used if name.startswith("RELAIS_")}
    assert relais and relais <= known, sorted(relais - known)


def test_the_compose_settings_pass_the_checks_of_several_instances() -> None:
    services = load("docker-compose.yml")["services"]
    for process in PROCESSES:
        for name in instances(services, process):
            settings = Settings.from_env(service_env(services[name]))
            assert settings.instances >= 2
            assert settings.instances_problem() is None, name
            assert settings.exposure_problem() is None, name
            assert settings.database_url.startswith("postgresql://")
            assert settings.tracker_url.startswith("postgresql://")
            assert settings.redis_url.startswith("redis://")
            assert settings.rasa_url == "http://haproxy:5005"  # the Rasa servers, balanced
    web = Settings.from_env(service_env(services["web1"]))
    assert web.web_host == "0.0.0.0" and web.public_url == SECRETS["RELAIS_PUBLIC_URL"]
    haproxy = services["haproxy"]["networks"]["relais"]["ipv4_address"]
    assert web.trusted_proxies == (haproxy,)


def test_deploy_endpoints_are_what_relais_run_writes_for_several_instances(tmp_path: Path) -> None:
    written = runner.write_endpoints(
        tmp_path, runner.Ports(), tmp_path / "t.db", "postgresql://x",
        redis_url="redis://r", redis_prefix="${RELAIS_REDIS_PREFIX}", instances=2,
    )  # fmt: skip
    expected = yaml.safe_load(written.read_text(encoding="utf-8"))
    deployed = load("endpoints.yml")
    assert deployed["action_endpoint"] == {"url": "${RELAIS_ACTION_SERVER_URL}"}
    del expected["action_endpoint"], deployed["action_endpoint"]
    assert deployed == expected


def test_helm_values_give_rasa_our_stores_and_channels() -> None:
    values = load("helm/rasa-values.yaml")
    settings = values["applicationSettings"]
    deployed = load("endpoints.yml")
    store = {k: v for k, v in settings["endpoints"]["trackerStore"].items() if v is not None}
    assert store == {"enabled": True, **deployed["tracker_store"]}
    assert settings["endpoints"]["lockStore"]["enabled"] is False  # Rasa's racy RedisLockStore
    extra = settings["endpoints"]["additionalEndpoints"]
    assert extra["event_broker"] == deployed["event_broker"]
    assert extra["lock_store"]["type"] == deployed["lock_store"]["type"]
    assert extra["lock_store"]["url"] == deployed["lock_store"]["url"]
    assert extra["lock_store"]["lease_seconds"] == deployed["lock_store"]["lease_seconds"]
    channels = yaml.safe_load(CREDENTIALS_FILE.read_text(encoding="utf-8"))
    given = settings["credentials"]["additionalChannelCredentials"]
    assert given == {name: options or {} for name, options in channels.items()}
    root = yaml.safe_load(ENDPOINTS_FILE.read_text(encoding="utf-8"))
    assert store["type"] == root["tracker_store"]["type"]
    assert values["replicaCount"] >= 2 and values["command"][:3] == [
        "python",
        "-m",
        "bot.ops.rasa_cli",
    ]
    assert "--enable-api" in values["args"] and "--auth-token" not in values["args"]


def test_haproxy_balances_the_compose_instances_with_sticky_sessions() -> None:
    services = load("docker-compose.yml")["services"]
    config = (DEPLOY / "haproxy.cfg").read_text(encoding="utf-8")
    backends = dict(re.findall(r"^backend (\w+)\n(.*?)(?=^\S|\Z)", config, re.M | re.S))
    for process in PROCESSES:
        body = backends[process]
        servers = re.findall(r"^\s+server (\w+) (\w+):(\d+) check", body, re.M)
        assert sorted(host for _name, host, _port in servers) == instances(services, process)
        assert "option httpchk" in body
    assert "cookie RELAIS_WEB insert" in backends["web"]  # socket.io polling: one web app
    assert "balance source" in backends["rasa"]  # and one Rasa per web app
