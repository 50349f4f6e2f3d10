"""The console in a real headless Chromium (Debian's), against the real web app and the fake
Rasa API: what it shows is read back in French and in English (queue, conversation with its
context, callbacks), at 1280 px and at tablet width, with screenshots kept in
tests/artifacts/ and axe-core's serious and critical violations at zero; then the work:
claim, chat both ways, note, close with an outcome."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest

from bot.handoff.escalation import enqueue
from bot.web.console import SERVICE
from tests.browser import launch_options
from tests.handoff.console_checks import assert_reads_right, axe_serious, screenshot
from tests.handoff.fake_rasa import FakeRasa
from tests.handoff.handoff_support import PASSWORD

pytestmark = [pytest.mark.integration]

SERVICES = [
    {"service_id": "svc-tal", "name": "Comité logement Verdun", "organization": "CLV",
     "phone": "514 555-0101", "distance_km": 1.24},
    {"service_id": "svc-food", "name": "Moisson Sud-Ouest", "phone": "514 555-0102"},
]  # fmt: skip
WORDS = {
    "fr": ("Logement", "Verdun (Montréal)", "Français", "Clavardage web", "à 1,2 km",
           "mon propriétaire veut m'expulser", "Information donnée"),
    "en": ("Housing", "Verdun (Montréal)", "French", "Web chat", "1.2 km away",
           "mon propriétaire veut m'expulser", "Information given"),
}  # fmt: skip


async def _setup(web_app: Any, fake_rasa: FakeRasa) -> tuple[str, str]:
    """An earlier contact closed today, a housing request from Verdun (web chat), a crisis by
    SMS, and a callback request."""
    store = web_app[SERVICE].store
    earlier = await enqueue(sender_id="p1", language="fr", channel="socketio", need="food",
                            store=store)  # fmt: skip
    ana = (await store.counsellor_by_email("ana@example.org"))["id"]
    assert await store.claim(earlier.escalation_id, ana)
    assert await store.close(earlier.escalation_id, "information_given", ana)
    asked = fake_rasa.user("p1", "mon propriétaire veut m'expulser", "need_housing")
    fake_rasa.events["p1"].append({"event": "bot", "text": "Voici des ressources",
                                   "timestamp": time.time()})  # fmt: skip
    calm = await enqueue(sender_id="p1", language="fr", channel="socketio", need="housing",
                         needs=["housing", "legal"], municipality="66023", borough="Verdun",
                         services=SERVICES, store=store, last_event_ts=asked["timestamp"])  # fmt: skip
    fake_rasa.user("p2", "je veux mourir", "crisis_suicide")
    urgent = await enqueue(sender_id="p2", language="en", channel="twilio_sms", crisis="suicide",
                           store=store)  # fmt: skip
    await store.add_callback(sender_id="p3", phone="+15148721111", contact="sms", language="en",
                             best_time="demain matin", need="food", municipality="65005")  # fmt: skip
    return calm.escalation_id, urgent.escalation_id


async def signed_in(playwright: Any, url: str, width: int, errors: list[str]) -> tuple[Any, Any]:
    """Chromium on the console's sign-in page at `url`, Ana signed in; page errors collected."""
    browser = await playwright.chromium.launch(**launch_options())
    page = await browser.new_page(viewport={"width": width, "height": 900})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(url)
    await page.fill("#email", "ana@example.org")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    return browser, page


@pytest.mark.parametrize("width", [1280, 768])
async def test_console_reads_right_in_both_languages(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa, width: int
) -> None:
    import playwright.async_api as playwright_api

    client = await aiohttp_client(web_app)
    base = str(client.make_url("")).rstrip("/")
    calm, urgent = await _setup(web_app, fake_rasa)
    errors: list[str] = []
    expect = playwright_api.expect
    async with playwright_api.async_playwright() as playwright:
        browser, page = await signed_in(playwright, f"{base}/console/login?lang=fr", width, errors)
        for language in ("fr", "en"):
            first = page.locator("#queue li").first
            await expect(first).to_have_attribute("data-id", urgent, timeout=10000)
            await expect(first).to_have_class(re.compile(r"\bpinned\b"))
            await page.click(f'#queue li[data-id="{calm}"] button')
            await expect(page.locator("#context")).to_contain_text(WORDS[language][0])
            text = await assert_reads_right(page, "#queue", "#conversation", "header.top")
            for word in WORDS[language]:
                assert word in text, (language, word, text)
            assert "CLV" in text and "514 555-0101" in text
            await screenshot(page, f"console-{language}-{width}.png")
            assert await axe_serious(page) == [], language

            await page.click(f'#queue li[data-id="{urgent}"] button')
            await expect(page.locator("#context")).to_contain_text("SMS" if language == "en"
                                                                   else "Texto")  # fmt: skip
            await assert_reads_right(page, "#queue", "#conversation")

            await page.click("#tab-callbacks")
            await expect(page.locator("#callbacks li").first).to_contain_text("+15148721111")
            callbacks = await assert_reads_right(page, "#callbacks")
            assert "demain matin" in callbacks and "+15148721111" in callbacks
            number = {"fr": "Numéro : +15148721111", "en": "Number: +15148721111"}[language]
            assert number in callbacks, callbacks  # each language's own punctuation
            await screenshot(page, f"console-callbacks-{language}-{width}.png")
            await page.keyboard.press("Alt+h")
            await expect(page.locator("#help")).to_be_visible()
            await assert_reads_right(page, "#help")
            assert await axe_serious(page) == [], language
            await page.keyboard.press("Escape")
            await page.click("#tab-queue")
            if language == "fr":
                async with page.expect_navigation():
                    await page.click("#language")
        overflow = await page.evaluate("document.documentElement.scrollWidth > innerWidth")
        assert not overflow, "the console scrolls sideways"
        await browser.close()
    assert errors == []


async def test_console_work_in_chromium(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa
) -> None:
    import playwright.async_api as playwright_api

    client = await aiohttp_client(web_app)
    base = str(client.make_url("")).rstrip("/")
    store = web_app[SERVICE].store
    asked = fake_rasa.user("p1", "je veux parler à une personne", "ask_human")
    calm = await enqueue(sender_id="p1", language="fr", channel="socketio", need="housing",
                         municipality="66023", store=store, last_event_ts=asked["timestamp"])  # fmt: skip
    errors: list[str] = []
    async with playwright_api.async_playwright() as playwright:
        browser, page = await signed_in(playwright, f"{base}/console/", 1280, errors)
        expect = playwright_api.expect
        await expect(page.locator(f'#queue li[data-id="{calm.escalation_id}"]')).to_be_visible(
            timeout=10000
        )
        # the tabs by keyboard: the arrow keys move between them (a tab list)
        await page.focus("#tab-queue")
        await page.keyboard.press("ArrowRight")
        await expect(page.locator("#tab-callbacks")).to_be_focused()
        await expect(page.locator("#tab-callbacks")).to_have_attribute("aria-selected", "true")
        await expect(page.locator("#callbacks")).to_be_visible()
        await page.keyboard.press("ArrowLeft")
        await expect(page.locator("#queue")).to_be_visible()
        await page.keyboard.press("Alt+n")  # the next request, crisis first
        await expect(page.locator(".transcript").first).to_contain_text("parler à une personne")
        await page.keyboard.press("Alt+c")
        await expect(page.locator("#message")).to_be_visible(timeout=10000)
        fake_rasa.user("p1", "mon propriétaire veut m'expulser")
        await expect(page.locator("#messages")).to_contain_text("m'expulser", timeout=10000)
        await page.fill("#message", "Je comprends. Avez-vous reçu un papier?")
        await page.keyboard.press("Enter")
        await expect(page.locator("#messages")).to_contain_text("Avez-vous reçu un papier?")
        assert any(
            (e.get("data") or {}).get("custom", {}).get("data", {}).get("text")
            == "Je comprends. Avez-vous reçu un papier?"
            for e in fake_rasa.delivered["p1"]
        )
        await page.keyboard.press("Alt+o")
        await page.keyboard.type("Orienter vers le TAL")
        await page.click("#note-form button")
        await expect(page.locator("#notes")).to_contain_text("TAL", timeout=10000)
        await page.select_option("#outcome", "referred")
        await page.check('#close-unmet input[value="legal"]')
        await page.click("#close")
        await expect(page.locator("#close")).to_have_count(0, timeout=10000)
        row = await store.escalation(calm.escalation_id)
        assert (row["status"], row["outcome"]) == ("closed", "referred")
        [record] = await web_app[SERVICE].workspace.contacts()
        assert (record["outcome"], record["needs"], record["unmet_needs"]) == (
            "referred", ["housing"], ["legal"])  # fmt: skip
        await browser.close()
    assert errors == []


async def test_live_message_outlives_an_older_read(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa
) -> None:
    """A person's message relayed while the console's read of the conversation is on its way
    stays shown once that older answer is drawn (it used to wipe it: the claim starts two
    reads, so the person's first words after a claim could vanish)."""
    import playwright.async_api as playwright_api

    client = await aiohttp_client(web_app)
    base = str(client.make_url("")).rstrip("/")
    store = web_app[SERVICE].store
    asked = fake_rasa.user("p1", "je veux parler à une personne", "ask_human")
    calm = await enqueue(sender_id="p1", language="fr", channel="socketio", need="housing",
                         store=store, last_event_ts=asked["timestamp"])  # fmt: skip
    read, release = asyncio.Event(), asyncio.Event()

    async def hold(route: Any) -> None:
        """The server reads the conversation now; the page gets the answer on `release`."""
        response = await route.fetch()
        read.set()
        await release.wait()
        await route.fulfill(response=response)

    errors: list[str] = []
    async with playwright_api.async_playwright() as playwright:
        browser, page = await signed_in(playwright, f"{base}/console/", 1280, errors)
        expect = playwright_api.expect
        item = page.locator(f'#queue li[data-id="{calm.escalation_id}"] button')
        await item.click()
        await page.click("#claim")
        await expect(page.locator("#message")).to_be_visible(timeout=10000)
        await page.route("**/console/api/escalations/*", hold)
        await item.click()  # the conversation read again: its answer is held
        await asyncio.wait_for(read.wait(), 10)
        fake_rasa.user("p1", "mon propriétaire veut m'expulser")
        messages = page.locator("#messages")
        await expect(messages).to_contain_text("m'expulser", timeout=10000)  # live
        await page.evaluate("document.querySelector('#messages').dataset.before = '1'")
        release.set()
        await expect(page.locator("#messages[data-before]")).to_have_count(0)  # drawn again
        await expect(messages).to_contain_text("m'expulser")
        await page.unroute("**/console/api/escalations/*", hold)
        await browser.close()
    assert errors == []


async def test_a_crisis_closes_on_crisis_line_given_by_default(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa
) -> None:
    """The closing form of a crisis starts on "crisis line given" (the assistant gave it)."""
    import playwright.async_api as playwright_api

    client = await aiohttp_client(web_app)
    base = str(client.make_url("")).rstrip("/")
    asked = fake_rasa.user("p2", "je veux mourir", "crisis_suicide")
    urgent = await enqueue(sender_id="p2", language="fr", channel="socketio", crisis="suicide",
                           store=web_app[SERVICE].store, last_event_ts=asked["timestamp"])  # fmt: skip
    errors: list[str] = []
    async with playwright_api.async_playwright() as playwright:
        browser, page = await signed_in(playwright, f"{base}/console/", 1280, errors)
        expect = playwright_api.expect
        await page.click(f'#queue li[data-id="{urgent.escalation_id}"] button', timeout=10000)
        await page.click("#claim")
        await expect(page.locator("#outcome")).to_have_value("crisis_line_given", timeout=10000)
        await browser.close()
    assert errors == []
