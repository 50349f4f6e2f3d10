"""Needs analytics through the real stack: conversations over REST and SMS, in French and
English, a crisis, an unmet need and a handoff closed by a counsellor; then exactly them in
`relais stats needs --json`, in `GET /api/v1/stats/needs`, on the dashboard in Chromium
(screenshot; axe-core finds nothing serious or critical, in both languages), and nowhere a
word any person wrote in the open-data export; after `relais privacy forget`, no statistics
fact is found from the conversation id, and the counts are the same.

The stack is the shared full one (tests/stacks.py, `RELAIS_STATS_MIN_COUNT=1`), so other
tests' conversations are in its statistics too: the test compares the figures before and
after its own conversations, waiting until the broker's writes have landed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.handoff.store import HandoffStore, create_handoff_engine
from bot.ops.sms_sandbox import Phone
from bot.ops.stack import Stack
from bot.settings import ROOT
from bot.stats.events import keyed
from bot.texts import t
from tests.browser import ARTIFACTS, launch_options
from tests.handoff.console_checks import axe_serious
from tests.stacks import COUNSELLOR, STAFF

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LAVAL, LONGUEUIL, MONTREAL = "65005", "58227", "66023"
WORDS = ("nourriture cette semaine", "help finding a food bank", "kill myself",
         "logement pas cher")  # fmt: skip
"""What the people write: none of it may reach a statistics file."""


def relais(stack: Stack, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True, text=True, cwd=ROOT, check=False,
        env={**os.environ, **stack.env, "RELAIS_DATABASE_URL": stack.database_url,
             "RELAIS_STATS_MIN_COUNT": "1", **(env or {})},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def stats_facts(stack: Stack, sender_key: str) -> int:
    """Statistics facts rows a keyed hash of a conversation id finds."""
    from sqlalchemy import create_engine, func, select

    from bot.stats.store import conversation

    engine = create_engine(stack.database_url, future=True)
    try:
        with engine.connect() as conn:
            query = select(func.count()).where(conversation.c.sender_key == sender_key)
            return int(conn.execute(query).scalar() or 0)
    finally:
        engine.dispose()


def jar() -> aiohttp.CookieJar:
    """A cookie jar that keeps the console's cookies from 127.0.0.1."""
    return aiohttp.CookieJar(unsafe=True)


def since() -> str:
    return (dt.date.today() - dt.timedelta(days=1)).isoformat()


def needs(stack: Stack, *options: str) -> Counter[tuple[Any, ...]]:
    """`relais stats needs --json` as counts by (need, code_geo)."""
    rows = json.loads(relais(stack, "stats", "needs", "--since", since(), "--by",
                             "municipality", "--json", *options))  # fmt: skip
    assert all(set(r) == {"need", "code_geo", "day", "count", "suppressed"} for r in rows)
    assert not any(r["suppressed"] for r in rows)
    return Counter({(r["need"], r["code_geo"]): r["count"] for r in rows})


async def eventually(check: Any, timeout: float = 30.0) -> None:
    """Wait until `check()` holds (the broker writes on its own thread)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            check()
            return
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


async def sign_in(session: aiohttp.ClientSession, web_url: str, email: str, password: str) -> str:
    """A console session for `email`; returns its token (the console cookie)."""
    page = await (await session.get(f"{web_url}/console/login")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    async with session.post(
        f"{web_url}/console/login",
        data={"email": email, "password": password, "csrf": csrf.group(1)},
        allow_redirects=False,
    ) as answer:
        assert answer.status == 303
    return next(c.value for c in session.cookie_jar if c.key == "relais_console")


async def console_csrf(session: aiohttp.ClientSession, web_url: str) -> str:
    page = await (await session.get(f"{web_url}/console/")).text()
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found is not None
    return found.group(1)


async def test_conversations_appear_exactly_in_the_statistics(stack: Stack, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    before = needs(stack)
    before_sms = needs(stack, "--channel", "sms")
    before_en = needs(stack, "--language", "en")
    before_unmet = needs(stack, "--unmet")
    tag = uuid.uuid4().hex[:8]

    async with stack.client() as rasa:
        # French, REST: food in Laval
        await rasa.send(f"stats-fr-{tag}", f"j'ai besoin de {WORDS[0]}")
        shown = await rasa.send(f"stats-fr-{tag}", "Laval")
        assert any((m.get("custom") or {}).get("type") == "service_results" for m in shown)
        # English, REST: a crisis
        crisis = await rasa.send(f"stats-crisis-{tag}", f"I want to {WORDS[2]} tonight")
        assert any("911" in (m.get("text") or "") or "988" in (m.get("text") or "") for m in crisis)
        # French, REST: housing in Verdun, then a counsellor after the results (unmet)
        helped = f"stats-handoff-{tag}"
        await rasa.send(helped, f"je cherche un {WORDS[3]}")
        await rasa.send(helped, "Verdun")
        await rasa.send(helped, "/ask_human")
        await rasa.send(helped, "/affirm")
        assert (await rasa.tracker(helped))["paused"]
    # English, SMS: food in Longueuil
    assert stack.sms is not None
    phone = Phone(f"+1438555{int(tag[:4], 16) % 10000:04d}", stack.rasa_url, stack.sms)
    async with aiohttp.ClientSession(cookie_jar=jar()) as session:
        await phone.say(session, "Hello")
        await phone.say(session, f"I need {WORDS[1]}")
        await phone.say(session, "I live in Longueuil")

    # the counsellor claims and closes the handoff: referred, housing not met
    engine = create_handoff_engine(stack.database_url)
    try:
        item = None
        for _ in range(100):
            item = await HandoffStore(engine).open_escalation_for(helped)
            if item:
                break
            await asyncio.sleep(0.1)
        assert item is not None
    finally:
        await engine.dispose()
    async with aiohttp.ClientSession(cookie_jar=jar()) as session:
        await sign_in(session, stack.web_url, COUNSELLOR.email, COUNSELLOR.password)
        csrf = {"X-CSRF-Token": await console_csrf(session, stack.web_url)}
        one = f"{stack.web_url}/console/api/escalations/{item['id']}"
        # the console is open (its websocket): a counsellor without one is deemed gone
        async with session.ws_connect(f"{stack.web_url}/console/ws", origin=stack.web_url) as ws:
            assert (await ws.receive_json(timeout=15))["type"] == "queue"
            async with session.post(f"{one}/claim", headers=csrf) as answer:
                assert answer.status == 200, await answer.text()
            body = {"outcome": "referred", "needs": ["housing"], "unmet_needs": ["housing"]}
            async with session.post(f"{one}/close", json=body, headers=csrf) as answer:
                assert answer.status == 200, await answer.text()
        async with session.get(f"{stack.web_url}/console/stats") as answer:
            assert answer.status == 403  # a counsellor is not staff

    # exactly these conversations, by need and place, channel, language, unmet
    def landed() -> None:
        assert needs(stack) - before == Counter(
            {("food", LAVAL): 1, ("food", LONGUEUIL): 1, ("housing", MONTREAL): 1}
        )
        assert needs(stack, "--channel", "sms") - before_sms == Counter({("food", LONGUEUIL): 1})
        assert needs(stack, "--language", "en") - before_en == Counter({("food", LONGUEUIL): 1})
        assert needs(stack, "--unmet") - before_unmet == Counter({("housing", MONTREAL): 1})

    await eventually(landed)

    # the API says what the CLI says, to staff only
    async with aiohttp.ClientSession(cookie_jar=jar()) as session:
        token = await sign_in(session, stack.web_url, STAFF.email, STAFF.password)
    query = f"since={since()}&by=municipality"
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(f"{stack.web_url}/api/v1/stats/needs?{query}") as answer:
            assert answer.status == 401
        headers = {"Authorization": f"Bearer {token}"}
        async with anonymous.get(
            f"{stack.web_url}/api/v1/stats/needs?{query}", headers=headers
        ) as answer:
            assert answer.status == 200
            api_rows = await answer.json()
    cli_rows = json.loads(relais(stack, "stats", "needs", "--since", since(), "--by",
                                 "municipality", "--json"))  # fmt: skip
    assert api_rows == cli_rows

    # the dashboard, in Chromium, in both languages
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        page = await browser.new_page(viewport={"width": 1280, "height": 2200})
        await page.goto(f"{stack.web_url}/console/login?lang=en")
        await page.fill("#email", STAFF.email)
        await page.fill("#password", STAFF.password)
        async with page.expect_navigation():
            await page.click("button[type=submit]")
        await page.goto(f"{stack.web_url}/console/stats?since={since()}")
        assert await page.locator("h1").inner_text() in ("Besoins exprimés", "Needs expressed")
        places = await page.locator('table[data-stat="by-place"]').inner_text()
        assert "Laval" in places and "Longueuil" in places and "Montréal" in places
        crises = await page.locator('table[data-stat="crisis"]').inner_text()
        assert re.search(r"(Suicidal thoughts|Idées suicidaires)\s+\d+", crises)
        unmet = await page.locator('table[data-stat="unmet"]').inner_text()
        assert "Montréal" in unmet
        handoff = await page.locator('table[data-stat="outcomes"]').inner_text()
        assert re.search(r"(Referred|Orienté vers un organisme)\s+\d+", handoff)
        channels = await page.locator('table[data-stat="channels"]').inner_text()
        assert "SMS" in channels
        assert await page.locator("svg.map circle.spot").count() >= 3
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "stats-dashboard.png"
        await page.screenshot(path=str(shot), full_page=True)
        # accessible in both languages: axe-core finds nothing serious or critical
        for language in ("en", "fr"):
            context = await browser.new_context(viewport={"width": 1280, "height": 2200})
            page = await context.new_page()
            await page.goto(f"{stack.web_url}/console/login?lang={language}")
            await page.fill("#email", STAFF.email)
            await page.fill("#password", STAFF.password)
            async with page.expect_navigation():
                await page.click("button[type=submit]")
            await page.goto(f"{stack.web_url}/console/stats?since={since()}&step=week")
            assert await page.locator("h1").inner_text() == t("stats.title", language)
            assert await axe_serious(page) == [], language
            await context.close()
        await browser.close()
    assert shot.stat().st_size > 10_000
    if os.environ.get("RELAIS_DOCS_PICTURES"):
        shutil.copy(shot, ROOT / "docs" / "stats-dashboard.png")

    # open data: no text any person wrote, no conversation id, no cell under 5
    folder = tmp_path / "open-data"
    relais(stack, "stats", "export", "--since", since(), str(folder))
    files = list(folder.iterdir())
    assert {f.name for f in files} >= {"datapackage.json", "needs_by_municipality.csv"}
    everything = b"".join(f.read_bytes() for f in files).lower()
    for word in (*WORDS, tag, "stats-fr", "stats-handoff", phone.number[2:]):
        assert word.lower().encode("utf-8") not in everything, word
    for line in (folder / "needs_by_municipality.csv").read_text(encoding="utf-8").splitlines()[1:]:
        count, suppressed = line.rsplit(",", 2)[-2:]
        assert (suppressed == "true" and count == "") or int(count) >= 5

    # erasure: the person's statistics facts are unlinked, the counts stay
    counted = needs(stack)
    sender_key = keyed(stack.env["RELAIS_SECRET_KEY"], helped)
    assert stats_facts(stack, sender_key) == 1
    report = relais(stack, "privacy", "forget", "--conversation", helped,
                    env={"RELAIS_RASA_URL": stack.rasa_url, "RELAIS_RASA_TOKEN": stack.token,
                         "RELAIS_TRACKER_DB": str(stack.folder / "tracker.db")})  # fmt: skip
    assert t("privacy.store.stats", "fr") in report or t("privacy.store.stats", "en") in report
    assert stats_facts(stack, sender_key) == 0
    assert needs(stack) == counted
