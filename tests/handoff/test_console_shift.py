"""A counsellor's shift with the real processes (the shared full stack: action server, Rasa,
web app, SMS sandbox): three people ask for a counsellor — one in the real chat widget (in
Chromium), one in crisis on the widget's channel, one by SMS. Julie is alerted, claims the
crisis first from the browser notification, answers with a canned response (kept by Sara,
staff), sees the person typing and is seen typing, searches the directory and sends a
resource card (seen arriving in the widget and by SMS), writes a note, transfers the SMS
conversation to Marc, and each contact is closed with an outcome and one unmet need. What
the consoles show is read back in French (Julie) and in English (Marc), with screenshots at
1280 px and at tablet width.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from typing import Any

import aiohttp
import pytest

from bot.handoff.store import HandoffStore, create_handoff_engine
from bot.handoff.workspace import WorkspaceStore
from bot.ops.sms_sandbox import Phone
from bot.ops.stack import Stack
from bot.settings import ROOT
from tests.browser import launch_options
from tests.handoff.console_checks import assert_reads_right, axe_serious, screenshot
from tests.handoff.test_handoff_e2e import Person
from tests.stacks import COUNSELLOR
from tests.stats.test_stats_e2e import eventually
from tests.stats.test_stats_e2e import relais as relais_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]
W = "#relais211-widget"
PASSWORD = "un autre mot de passe solide"


def add_counsellor(stack: Stack, email: str, name: str, *extra: str) -> None:
    """A console account through the real CLI, as an administrator would."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "counsellor", "add", email, "--name", name,
         "--password-stdin", *extra],
        input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT, check=False,
        env={**os.environ, "RELAIS_DATABASE_URL": stack.database_url},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


async def sign_in(browser: Any, stack: Stack, email: str, password: str, lang: str) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.grant_permissions(["notifications"], origin=stack.web_url)
    page = await context.new_page()
    await page.goto(f"{stack.web_url}/console/login?lang={lang}")
    await page.fill("#email", email)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    await page.locator("body[data-live='1']").wait_for(state="attached", timeout=15000)
    return page


async def open_items(store: HandoffStore, sender: str) -> dict[str, Any]:
    for _ in range(200):
        item = await store.open_escalation_for(sender)
        if item is not None:
            return item
        await asyncio.sleep(0.1)
    raise AssertionError(f"no escalation for {sender}")


async def close_with(page: Any, outcome: str, unmet: str) -> None:
    await page.keyboard.press("Alt+f")
    await page.select_option("#outcome", outcome)
    await page.check(f'#close-unmet input[value="{unmet}"]')
    await page.click("#close")


async def test_a_whole_shift(stack: Stack) -> None:
    from playwright.async_api import async_playwright, expect

    suffix = uuid.uuid4().hex[:6]
    sara, marc = f"sara-{suffix}@example.org", f"marc-{suffix}@example.org"
    add_counsellor(stack, sara, "Sara", "--role", "staff")
    add_counsellor(stack, marc, "Marc", "--language", "en")
    engine = create_handoff_engine(stack.database_url)
    store = HandoffStore(engine)
    for left in await store.open_escalations():  # other tests' requests share this stack
        await store.close(left["id"], "no_answer")
    crisis = Person(stack.rasa_url)
    assert stack.sms is not None
    phone = Phone(f"+1514556{uuid.uuid4().int % 10000:04d}", stack.rasa_url, stack.sms)
    try:
        async with async_playwright() as playwright, aiohttp.ClientSession() as http:
            browser = await playwright.chromium.launch(**launch_options())

            # Sara (staff) keeps a canned response, in the console
            staff = await sign_in(browser, stack, sara, PASSWORD, "fr")
            await staff.click("#canned-manage")
            await staff.fill("#canned-shortcut", f"bonjour{suffix}")
            await staff.select_option("#canned-language", "fr")
            await staff.fill("#canned-text", "Bonjour, ici {counsellor}. Je suis là pour vous.")
            await staff.click("#canned-form button[type=submit]")
            await expect(staff.locator("#canned-list")).to_contain_text(f"/bonjour{suffix}")
            await staff.context.close()

            julie = await sign_in(browser, stack, COUNSELLOR.email, COUNSELLOR.password, "fr")
            marc_page = await sign_in(browser, stack, marc, PASSWORD, "en")

            # 1. in the chat widget, a housing question in Verdun, then a counsellor
            widget = await open_widget(browser, stack)
            await widget.locator(f"{W} .r211-input").fill(
                "j'ai besoin d'aide pour mon logement à Verdun"
            )
            await widget.keyboard.press("Enter")
            cards = widget.locator(f"{W} .r211-msg-cards")
            await expect(cards.first).to_be_visible(timeout=60000)
            await widget.locator(f"{W} .r211-tool-main").click()
            await expect(widget.locator(f"{W} .r211-tool-main")).to_have_text(
                "Parler à une personne intervenante"
            )  # the assistant's own word
            await widget.get_by_role("button", name="Oui, d'accord").last.click()
            await expect(widget.locator(f"{W} .r211-from-bot").last).to_contain_text(
                "dans la file", timeout=60000
            )
            sender = await widget.evaluate("window.Relais211.widget.transport.sessionId")
            calm_item = await open_items(store, sender)

            # 2. a crisis: one yes, queued at once, announced distinctly and pinned on top
            await crisis.connect()  # someone who opens the chat now
            await crisis.say("je veux mourir, je n'en peux plus")
            await crisis.expect("1-866-APPELLE")
            await crisis.say("oui")
            await crisis.expect("priorité")
            assert crisis.count("Êtes-vous d'accord") == 0  # no second consent question
            crisis_item = await open_items(store, crisis.session_id)
            assert crisis_item["crisis"] == "suicide"
            first = julie.locator("#queue li").first
            await expect(first).to_have_attribute("data-id", crisis_item["id"], timeout=15000)
            await expect(julie.locator("#alerts")).to_contain_text("CRISE")
            assert await julie.evaluate("document.body.dataset.lastSound") == "crisis"
            assert (await julie.title()).startswith("⚠ CRISE (2)")
            note_title = await julie.evaluate("window.relaisNotifications.at(-1).title")
            assert "CRISE" in note_title

            # 3. by SMS
            await phone.say(http, "Bonjour")
            await phone.say(http, "je veux parler à une personne")
            await phone.say(http, "oui")
            [sms_item] = [i for i in await store.open_escalations()
                          if i["channel"] == "twilio_sms"]  # fmt: skip
            await expect(julie.locator(f'#queue li[data-id="{sms_item["id"]}"]')).to_be_visible(
                timeout=15000
            )
            text = await assert_reads_right(julie, "#queue", "header.top", "#alerts")
            assert "Crise en attente" in text and "Texto" in text and "Clavardage web" in text
            assert "Besoin pas encore précisé" in text  # the SMS person named no need yet

            # the crisis, claimed first from the notification
            await julie.evaluate("window.relaisNotifications.find(n => n.title.includes('CRISE'))"
                                 ".dispatchEvent(new Event('click'))")  # fmt: skip
            await expect(julie.locator("#conv-title")).to_contain_text("suicide")
            await julie.keyboard.press("Alt+c")
            await expect(julie.locator("#message")).to_be_focused(timeout=10000)
            await crisis.expect("Julie, personne intervenante du 211, se joint")
            await julie.keyboard.type(f"/bonjour{suffix}")
            await julie.keyboard.press("Tab")
            await expect(julie.locator("#message")).to_have_value(
                "Bonjour, ici Julie. Je suis là pour vous."
            )
            await julie.keyboard.press("Enter")
            await crisis.expect("Bonjour, ici Julie.")
            await crisis.say("merci d'être là")
            await expect(julie.locator("#messages")).to_contain_text("merci d'être là",
                                                                       timeout=15000)  # fmt: skip
            await julie.keyboard.press("Alt+o")
            await julie.keyboard.type("Ligne 1-866-APPELLE donnée; rappel proposé")
            await julie.click("#note-form button")
            await expect(julie.locator("#notes")).to_contain_text("APPELLE")
            await assert_reads_right(julie, "#conversation")
            await screenshot(julie, "shift-crisis-fr-1280.png")
            await julie.set_viewport_size({"width": 768, "height": 1024})
            await assert_reads_right(julie, "#queue", "#conversation", "header.top")
            await screenshot(julie, "shift-crisis-fr-768.png")
            await julie.set_viewport_size({"width": 1280, "height": 900})
            await close_with(julie, "crisis_line_given", "mental_health")
            await expect(julie.locator("#close")).to_have_count(0, timeout=10000)

            # the widget person: a resource searched, need and place prefilled, and sent
            await julie.click(f'#queue li[data-id="{calm_item["id"]}"] button')
            await expect(julie.locator("#context")).to_contain_text("Verdun")
            await expect(julie.locator("#claim")).to_be_visible()
            await julie.keyboard.press("Alt+c")
            await expect(julie.locator("#message")).to_be_focused(timeout=10000)
            await expect(widget.locator(f"{W} .r211-messages")).to_contain_text(
                "Julie, personne intervenante du 211", timeout=30000
            )
            # typing, both ways: Julie sees the person typing, the person sees Julie typing —
            # and still sees it once the widget's wait for the last message is over (it used to
            # hide the counsellor's dots 1.2 s after her "joins" message)
            await widget.locator(f"{W} .r211-input").fill("une question")
            await expect(julie.locator("#typing")).to_be_visible(timeout=15000)
            await julie.keyboard.type("Un instant")
            dots = widget.locator(f"{W} .r211-typing")
            await expect(dots).to_be_visible(timeout=15000)
            await widget.wait_for_timeout(1500)
            await expect(dots).to_be_visible(timeout=1000)
            await julie.fill("#message", "")
            await julie.keyboard.press("Alt+s")
            assert await julie.locator("#search-need").input_value() == "housing"
            assert await julie.locator("#search-place").input_value() == "Verdun"
            await julie.click("#search-submit")
            hit = julie.locator('#send-cards input[name="hit"]').first
            await expect(hit).to_be_visible(timeout=15000)
            await assert_reads_right(julie, "#panel")
            service_id = await hit.get_attribute("value")
            card_name = (await julie.locator("#send-cards li strong").first.inner_text()).strip()
            await hit.check()
            seen = await cards.count()
            await julie.click("#send-cards-submit")
            await expect(cards).to_have_count(seen + 1, timeout=30000)  # in the widget
            await expect(cards.last).to_contain_text(card_name)
            await expect(julie.locator("#messages")).to_contain_text(card_name)
            # the card is live at once; the closing form lists it as a referral once the
            # conversation is read again
            referral = julie.locator(f'#close-referrals input[value="{service_id}"]')
            await expect(referral).to_be_checked(timeout=10000)
            await close_with(julie, "referred", "legal")
            await expect(julie.locator("#close")).to_have_count(0, timeout=10000)

            # by SMS: a card, then the conversation transferred to Marc, who closes it
            await julie.click(f'#queue li[data-id="{sms_item["id"]}"] button')
            await expect(julie.locator("#claim")).to_be_visible()
            await julie.keyboard.press("Alt+c")
            await expect(julie.locator("#message")).to_be_focused(timeout=10000)
            before = stack.sms.count(phone.number)
            await julie.keyboard.press("Alt+s")
            await julie.select_option("#search-need", "food")
            await julie.fill("#search-place", "Laval")
            await julie.click("#search-submit")
            sms_hit = julie.locator('#send-cards input[name="hit"]').first
            await expect(sms_hit).to_be_visible(timeout=15000)
            name = (await julie.locator("#send-cards li strong").first.inner_text()).strip()
            await sms_hit.check()
            await julie.click("#send-cards-submit")
            replies = await phone.replies_after(before, timeout=30)
            assert any(name in reply for reply in replies), (name, replies)
            # the SMS leaves before the console's request returns: wait for the console too
            await expect(julie.locator("#send-cards")).to_have_count(0, timeout=15000)
            # Marc's console is connected (a socket dropped under load comes back on its own);
            # the open list shows him as soon as the server counts him online
            await marc_page.locator("body[data-live='1']").wait_for(state="attached")
            await julie.keyboard.press("Alt+t")
            await expect(julie.locator("#transfer-to option", has_text="Marc")).to_have_count(
                1, timeout=30000
            )
            await julie.select_option("#transfer-to", label="Marc")
            await julie.click("#transfer-submit")
            await expect(marc_page.locator("#alerts")).to_contain_text("transferred to you",
                                                                         timeout=15000)  # fmt: skip
            await marc_page.click(f'#queue li[data-id="{sms_item["id"]}"] button')
            await expect(marc_page.locator("#message")).to_be_visible(timeout=10000)
            text = await assert_reads_right(marc_page, "#queue", "#conversation", "header.top")
            assert "SMS" in text and "Resource card sent" in text and "Need not given yet" in text
            assert await axe_serious(marc_page) == []
            await screenshot(marc_page, "shift-transfer-en-1280.png")
            await marc_page.fill("#message", "Hi, Marc here. Did the food bank answer?")
            await marc_page.keyboard.press("Enter")
            await wait_for_sms(stack, phone.number, "Marc here")
            await close_with(marc_page, "referred", "income")
            await expect(marc_page.locator("#close")).to_have_count(0, timeout=10000)
            await browser.close()

        records = await WorkspaceStore(engine).contacts()
        mine = {(r["outcome"], tuple(r["unmet_needs"]), r["channel"]) for r in records}
        assert {("crisis_line_given", ("mental_health",), "socketio"),
                ("referred", ("legal",), "socketio"),
                ("referred", ("income",), "twilio_sms")} <= mine  # fmt: skip
        assert all(set(r) == {"id", "day", "hour", "channel", "language", "crisis", "outcome",
                              "needs", "referrals", "unmet_needs", "waited_seconds",
                              "handled_seconds"} for r in records)  # fmt: skip
        assert any(r["referrals"] == [service_id] for r in records)
        # and in `relais stats` (the anonymous needs statistics): outcomes, unmet needs
        await eventually(lambda: shift_in_stats(stack))
    finally:
        if crisis.client.connected:
            await crisis.client.disconnect()
        await engine.dispose()


def stats(stack: Stack, *args: str) -> str:
    since = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    return relais_cli(stack, "stats", *args, "--since", since, "--json")


def shift_in_stats(stack: Stack) -> None:
    """The shift's outcomes and unmet needs counted by `relais stats` (other tests' too)."""
    outcomes = {r["outcome"]: r["count"] for r in json.loads(stats(stack, "outcomes"))}
    assert outcomes.get("crisis_line_given", 0) >= 1 and outcomes.get("referred", 0) >= 2
    unmet = {r["need"]: r["count"] for r in json.loads(stats(stack, "needs", "--unmet",
                                                                  "--by", "need"))}  # fmt: skip
    assert all(unmet.get(need, 0) >= 1 for need in ("mental_health", "legal", "income")), unmet


async def open_widget(browser: Any, stack: Stack) -> Any:
    """The demo 211 page in its own browser context, the chat widget open (Rasa's greeting)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{stack.web_url}/")
    await page.locator(f"{W} .r211-launcher").click()
    await page.locator(f"{W} .r211-from-bot").first.wait_for(timeout=60000)
    return page


async def wait_for_sms(stack: Stack, number: str, fragment: str, timeout: float = 30) -> None:
    assert stack.sms is not None
    deadline = asyncio.get_running_loop().time() + timeout
    while not any(fragment in body for body in stack.sms.to(number)):
        assert asyncio.get_running_loop().time() < deadline, stack.sms.to(number)
        await asyncio.sleep(0.1)
