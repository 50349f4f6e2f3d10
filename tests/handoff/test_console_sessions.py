"""Console sessions on the server, roles, the login throttle and the bounded Argon2 work,
through the real web app (SQLite, and PostgreSQL for the store) and the real CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from bot import texts
from bot.handoff import auth, roles
from bot.handoff.sessions import LOCK_SECONDS, MAX_FAILURES, SessionStore, throttle_key
from bot.settings import ROOT
from bot.web.console import CHECKER, PREFIX, SERVICE, SESSIONS, role_required
from tests.handoff.handoff_support import PASSWORD, csrf_of, login


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_sessions_end_with_logout_password_change_and_disabling(
    store: Any,
) -> None:
    sessions = SessionStore(store.engine)
    ana = await store.add_counsellor("ana@example.org", "Ana", auth.hash_password(PASSWORD))
    token, session = await sessions.open(ana, "fr")
    assert token not in session.id and len(session.id) == 64  # only the token's hash is kept
    found = await sessions.find(token)
    assert found is not None and found[1]["email"] == "ana@example.org"
    assert await sessions.find("not-a-token") is None

    assert await sessions.close(session.id)
    assert await sessions.find(token) is None

    first, _ = await sessions.open(ana, "fr")
    second, _ = await sessions.open(ana, "en")
    assert await sessions.count(ana) == 2
    assert await store.set_password("ANA@example.org", auth.hash_password("un nouveau mot"))
    assert await sessions.find(first) is None and await sessions.find(second) is None

    third, _ = await sessions.open(ana, "fr")
    assert await store.set_active("ana@example.org", False)
    assert await sessions.find(third) is None
    assert await store.set_active("ana@example.org", True)
    assert await sessions.find(third) is None  # enabling again does not revive a session


async def test_sessions_expire(store: Any) -> None:
    clock = Clock()
    sessions = SessionStore(store.engine, clock)
    ana = await store.add_counsellor("ana@example.org", "Ana", "hash")
    token, _ = await sessions.open(ana, "fr")
    clock.now += 12 * 3600 - 1
    assert await sessions.find(token) is not None
    clock.now += 2
    assert await sessions.find(token) is None
    assert await sessions.purge_expired() == 1


async def test_throttle_locks_after_ten_failures_for_fifteen_minutes(store: Any) -> None:
    clock = Clock()
    throttle = SessionStore(store.engine, clock)
    account, address = throttle_key("account", "ana@example.org", "s"), "ad:x"
    for _ in range(MAX_FAILURES - 1):
        await throttle.failed(account, address)
    assert await throttle.locked(account) == 0
    await throttle.failed(account, address)
    assert await throttle.locked(account) == LOCK_SECONDS
    assert await throttle.locked(address) == LOCK_SECONDS
    clock.now += LOCK_SECONDS - 1
    assert await throttle.locked(account, "ad:other") == 1
    clock.now += 1
    assert await throttle.locked(account, address) == 0
    await throttle.failed(account)  # a new window: one failure, not locked
    assert await throttle.locked(account) == 0
    await throttle.succeeded(account)
    for _ in range(MAX_FAILURES - 1):
        await throttle.failed(account)
    assert await throttle.locked(account) == 0


def test_throttle_keys_hold_no_identifier() -> None:
    key = throttle_key("account", "ana@example.org", "secret")
    assert "ana" not in key and key != throttle_key("account", "ana@example.org", "other")
    assert key == throttle_key("account", "ana@example.org", "secret")


def test_roles_rank() -> None:
    staff = {"active": True, "role": "staff"}
    assert roles.has_role(staff, "counsellor") and roles.has_role(staff, "staff")
    assert not roles.has_role(staff, "admin")
    assert not roles.has_role({"active": False, "role": "admin"}, "counsellor")
    assert not roles.has_role({"active": True, "role": "intruder"}, "counsellor")
    with pytest.raises(ValueError):
        roles.has_role(staff, "boss")


async def _login_form(client: Any, email: str, password: str) -> Any:
    page = await client.get(f"{PREFIX}/login?lang=en")
    return await client.post(
        f"{PREFIX}/login",
        data={"email": email, "password": password, "csrf": csrf_of(await page.text())},
        allow_redirects=False,
    )


async def test_login_answers_429_after_ten_failures_in_both_languages(
    web_app: Any, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(web_app)
    for _ in range(MAX_FAILURES):
        assert (await _login_form(client, "ana@example.org", "wrong password")).status == 303
    locked = await _login_form(client, "ana@example.org", PASSWORD)  # right, but too late
    assert locked.status == 429 and int(locked.headers["Retry-After"]) > 14 * 60
    assert texts.t("console.login.locked", "en", minutes=15) in await locked.text()
    page = await client.get(f"{PREFIX}/login?lang=fr")
    french = await client.post(
        f"{PREFIX}/login",
        data={"email": "ben@example.org", "password": PASSWORD, "csrf": csrf_of(await page.text())},
        allow_redirects=False,
    )  # the same address: locked too, whichever account
    assert french.status == 429
    assert texts.t("console.login.locked", "fr", minutes=15) in await french.text()


async def test_unknown_accounts_are_answered_like_wrong_passwords(
    web_app: Any, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(web_app)
    unknown = await _login_form(client, "nobody@example.org", "whatever password")
    wrong = await _login_form(client, "ana@example.org", "whatever password")
    assert (unknown.status, unknown.headers["Location"]) == (
        wrong.status,
        wrong.headers["Location"],
    )
    throttle = web_app[SESSIONS]
    secret = "handoff-test-secret"
    for email in ("nobody@example.org", "ana@example.org"):
        key = throttle_key("account", email, secret)
        for _ in range(MAX_FAILURES - 1):
            await throttle.failed(key)
        assert await throttle.locked(key) > 0


async def test_logout_revokes_the_session_cookie(web_app: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(web_app)
    token = await login(client, "ana@example.org")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url(f"{PREFIX}/"))
    stolen = cookie["relais_console"].value
    out = await client.post(f"{PREFIX}/logout", data={"csrf": token}, allow_redirects=False)
    assert out.status == 303
    other = await aiohttp_client(web_app)
    other.session.cookie_jar.update_cookies({"relais_console": stolen})
    answer = await other.get(f"{PREFIX}/api/queue")
    assert answer.status == 401  # the old cookie opens nothing


async def test_a_disabled_account_is_signed_out_everywhere(
    web_app: Any, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(web_app)
    await login(client, "ana@example.org")
    assert (await client.get(f"{PREFIX}/api/queue")).status == 200
    ws = await client.ws_connect(f"{PREFIX}/ws")
    assert (await ws.receive_json(timeout=5))["type"] == "queue"
    await web_app[SERVICE].store.set_active("ana@example.org", False)
    assert (await client.get(f"{PREFIX}/api/queue")).status == 401
    closed = await ws.receive(timeout=15)
    assert (closed.type, closed.data) == (WSMsgType.CLOSE, 4401)


async def test_staff_only_routes(web_app: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(web_app)
    token = await login(client, "ana@example.org")
    body = {"shortcut": "bonjour", "language": "fr", "text": "Bonjour, ici {counsellor}."}
    refused = await client.post(f"{PREFIX}/api/canned", json=body, headers={"X-CSRF-Token": token})
    assert refused.status == 403
    assert (await refused.json())["error"]["message"] == texts.both("console.error.forbidden")
    await web_app[SERVICE].store.set_role("ana@example.org", "staff")
    made = await client.post(f"{PREFIX}/api/canned", json=body, headers={"X-CSRF-Token": token})
    assert made.status == 201
    bad = await client.post(f"{PREFIX}/api/canned", headers={"X-CSRF-Token": token},
                            json={**body, "text": "Bonjour {name}"})  # fmt: skip
    assert (await bad.json())["error"]["message"] == texts.both("console.error.canned_placeholder")
    listed = await (await client.get(f"{PREFIX}/api/canned")).json()
    assert listed["editable"] and listed["items"][0]["shortcut"] == "bonjour"


async def test_role_required_helper(web_app: Any, aiohttp_client: Any) -> None:
    """The helper `/console/stats` will use: staff and admins pass, counsellors get 403."""

    @role_required("staff")
    async def stats(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app.router.add_get(f"{PREFIX}/stats-test", stats)
    client = await aiohttp_client(web_app)
    await login(client, "ana@example.org")
    assert (await client.get(f"{PREFIX}/stats-test")).status == 403
    await web_app[SERVICE].store.set_role("ana@example.org", "admin")
    assert (await client.get(f"{PREFIX}/stats-test")).status == 200
    with pytest.raises(ValueError):
        role_required("boss")


async def test_argon2_runs_on_its_own_bounded_executor(web_app: Any, aiohttp_client: Any) -> None:
    """Logins beyond the executor's line are told to come back (503), at once, while the
    threads are busy; nothing runs on the loop's default executor."""
    client = await aiohttp_client(web_app)
    checker = web_app[CHECKER]
    release = threading.Event()
    blockers = [asyncio.ensure_future(checker.run(release.wait)) for _ in range(checker.capacity)]
    await asyncio.sleep(0.1)
    try:
        busy = await _login_form(client, "ana@example.org", PASSWORD)
        assert busy.status == 503 and busy.headers["Retry-After"] == "5"
        assert texts.t("console.login.busy", "en") in await busy.text()
    finally:
        release.set()
        await asyncio.gather(*blockers)
    names = await checker.run(lambda: threading.current_thread().name)
    assert names.startswith("argon2")
    ok = await _login_form(client, "ana@example.org", PASSWORD)
    assert ok.status == 303 and ok.headers["Location"] == f"{PREFIX}/"


def test_cli_roles_disable_enable(sqlite_url: str) -> None:
    env = {**os.environ, "RELAIS_DATABASE_URL": sqlite_url}

    def relais(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "counsellor", *args], input=stdin,
                              capture_output=True, text=True, cwd=ROOT, env=env, check=False)  # fmt: skip

    assert relais("add", "lea@example.org", "--name", "Léa", "--role", "staff",
                  "--password-stdin", stdin=PASSWORD + "\n").returncode == 0  # fmt: skip
    assert relais("add", "max@example.org", "--name", "Max", "--password-stdin",
                  stdin=PASSWORD + "\n").returncode == 0  # fmt: skip
    listing = relais("list").stdout
    assert "lea@example.org\tLéa\tfr\tstaff" in listing
    assert "max@example.org\tMax\tfr\tcounsellor" in listing
    assert relais("add", "x@example.org", "--name", "X", "--role", "boss",
                  "--password-stdin", stdin=PASSWORD + "\n").returncode == 2  # fmt: skip
    done = relais("disable", "max@example.org")
    assert done.returncode == 0 and "désactivé" in done.stdout
    assert "max@example.org\tMax\tfr\tcounsellor (inactive)" in relais("list").stdout
    assert relais("enable", "max@example.org").returncode == 0
    assert relais("disable", "nobody@example.org").returncode == 1
