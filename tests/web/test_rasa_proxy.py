"""The pieces of the public origin that need no process: limits, header filtering, the
engine.io parsing the limits rely on, settings and secrets (bot/limits.py,
bot/web/rasa_proxy.py, bot/settings.py, bot/secret_files.py), and the security headers of
the whole app (bot/web/headers.py)."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot import secret_files
from bot.limits import MemoryLimiter, retry_after
from bot.settings import Settings, get_settings
from bot.web.rasa_proxy import forward_headers, socket_senders


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_per_key() -> None:
    clock = Clock()
    limiter = MemoryLimiter(clock)
    assert [limiter.hit_now("a", 3, 60) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.hit_now("a", 3, 60) == 60.0
    assert limiter.hit_now("b", 3, 60) == 0.0  # another key is not slowed
    clock.now += 30
    assert limiter.hit_now("a", 3, 60) == 30.0
    clock.now += 30.5
    assert limiter.hit_now("a", 3, 60) == 0.0  # the first hits left the window
    assert retry_after(0.2) == "1" and retry_after(29.1) == "30"


def test_idle_keys_are_forgotten_but_longer_windows_kept() -> None:
    clock = Clock()
    limiter = MemoryLimiter(clock)
    limiter.hit_now("minute", 5, 60)
    limiter.hit_now("day", 5, 86400)
    clock.now += 120
    limiter.hit_now("other", 5, 60)
    assert "minute" not in limiter.hits and "day" in limiter.hits


def test_hop_by_hop_headers_are_not_forwarded() -> None:
    headers = forward_headers(
        [
            ("Connection", "keep-alive, X-Private"),
            ("X-Private", "1"),
            ("Keep-Alive", "timeout=5"),
            ("Transfer-Encoding", "chunked"),
            ("Host", "example.org"),
            ("Content-Type", "application/json"),
            ("Origin", "http://127.0.0.1:8080"),
        ]
    )
    assert dict(headers) == {
        "Content-Type": "application/json",
        "Origin": "http://127.0.0.1:8080",
    }


def test_user_messages_are_found_in_engineio_payloads() -> None:
    event = json.dumps(["user_uttered", {"message": "allô", "session_id": "s1"}])
    other = json.dumps(["session_request", {"session_id": "s1"}])
    payload = "\x1e".join(["42" + event, "42" + other, "2", "42/chat," + event, "4217" + event])
    assert socket_senders(payload) == ["s1", "s1", "s1"]
    assert socket_senders('42["user_uttered", "not a dict"]') == [None]
    assert socket_senders("42{broken") == []


def test_no_published_default_and_origins_default_to_the_public_one() -> None:
    settings = Settings.from_env({"RELAIS_PUBLIC_URL": "https://211.example.org/"})
    assert settings.rasa_token != "relais-dev-token"
    assert settings.allowed_origins == ("https://211.example.org",)
    more = Settings.from_env({"RELAIS_ALLOWED_ORIGINS": "https://a.example, https://b.example"})
    assert more.allowed_origins == ("https://a.example", "https://b.example")
    assert more.limits.messages_per_minute == 30
    assert more.limits.address_messages_per_minute >= 300


def test_weak_secrets_are_refused_only_beyond_loopback() -> None:
    strong = "x" * 8 + "Q7v-kP2m9LzR4tYw"
    weak = Settings.from_env(
        {"RELAIS_RASA_TOKEN": "relais-dev-token", "RELAIS_SECRET_KEY": strong * 2}
    )
    assert weak.exposure_problem() is None  # 127.0.0.1: only this machine
    assert replace(weak, web_host="127.0.0.2").exposure_problem() is None
    assert replace(weak, web_host="0.0.0.0").exposure_problem() == "RELAIS_RASA_TOKEN"
    short_key = replace(weak, web_host="10.0.0.5", rasa_token=strong * 2, secret_key="dev")
    assert short_key.exposure_problem() == "RELAIS_SECRET_KEY"
    assert replace(short_key, secret_key=strong * 2).exposure_problem() is None


def test_secrets_are_generated_once_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "var" / "rasa_token"
    assert secret_files.read(path) == ""
    first = secret_files.read_or_create(path)
    assert not secret_files.is_weak(first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_files.read_or_create(path) == first


async def test_security_headers_on_every_answer_and_hsts_behind_https(
    aiohttp_client: Any, demo_db: str
) -> None:
    from bot.web.app import create_app

    settings = replace(
        get_settings(),
        database_url=demo_db,
        public_url="https://211.example.org",
        allowed_origins=("https://211.example.org", "https://partner.example.org"),
    )
    client = await aiohttp_client(create_app(settings))
    page = await client.get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://211.example.org https://partner.example.org" in policy
    assert f"connect-src 'self' wss://{client.host}:{client.port};" in policy
    for answer in (page, await client.get("/api/v1/health"), await client.get("/console/")):
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    console = await client.get("/console/login")
    assert console.content_type == "text/html"
    assert "frame-ancestors 'none'" in console.headers["Content-Security-Policy"]
    plain = await aiohttp_client(create_app(replace(settings, public_url="http://127.0.0.1:8080")))
    assert "Strict-Transport-Security" not in (await plain.get("/")).headers


def test_the_client_address_is_believed_only_from_a_trusted_proxy() -> None:
    from aiohttp.test_utils import make_mocked_request

    from bot.web.rasa_proxy import client_address, upstream_headers

    def request(peer: str, forwarded: str) -> Any:
        class Transport:
            def get_extra_info(self, name: str, default: Any = None) -> Any:
                return (peer, 4242) if name == "peername" else default

        headers = {"X-Forwarded-For": forwarded, "Cookie": "console=1", "Host": "211.example"}
        return make_mocked_request("POST", "/webhooks/rest/webhook", headers=headers,
                                   transport=Transport())  # fmt: skip

    spoofed = request("203.0.113.9", "10.1.1.1")
    assert client_address(spoofed, ()) == "203.0.113.9"
    behind_nginx = request("127.0.0.1", "198.51.100.7, 10.1.1.1")
    assert client_address(behind_nginx, ("127.0.0.1", "10.1.1.1")) == "198.51.100.7"
    headers = upstream_headers(behind_nginx, "198.51.100.7")
    assert headers.getall("X-Forwarded-For") == ["198.51.100.7"]
    assert "Cookie" not in headers and "Host" not in headers
    assert headers["X-Forwarded-Host"] == "211.example"
