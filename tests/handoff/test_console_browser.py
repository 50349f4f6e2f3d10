"""The console in a real headless Chromium (Debian's), against the real web app and the fake
Rasa API: sign in, live queue, claim, chat both ways, note, close; tablet width too."""

from __future__ import annotations

from typing import Any

import pytest

from bot.handoff.escalation import enqueue
from bot.web.console import SERVICE
from tests.browser import launch_options
from tests.handoff.fake_rasa import FakeRasa
from tests.handoff.handoff_support import PASSWORD

pytestmark = [pytest.mark.integration]


@pytest.mark.parametrize("width", [1280, 768])
async def test_console_in_chromium(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa, width: int
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
        browser = await playwright.chromium.launch(**launch_options())
        page = await browser.new_page(viewport={"width": width, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(f"{base}/console/")
        await page.fill("#email", "ana@example.org")
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        expect = playwright_api.expect
        first = page.locator("#queue li").first
        await expect(first).to_have_attribute("data-id", calm.escalation_id, timeout=10000)

        # a crisis arriving later goes to the top of the live queue
        urgent = await enqueue(sender_id="p2", language="en", crisis="suicide", store=store)
        await web_app[SERVICE].publish_queue()
        await expect(first).to_have_attribute("data-id", urgent.escalation_id, timeout=10000)
        await expect(first).to_have_class("crisis")

        await page.click(f'#queue li[data-id="{calm.escalation_id}"] button')
        await expect(page.locator(".transcript").first).to_contain_text("parler à une personne")
        await page.click("#claim")
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
        await page.fill("#note", "Orienter vers le TAL")
        await page.click("#note-form button")
        await expect(page.locator("#notes")).to_contain_text("TAL")
        await page.select_option("#outcome", "referred")
        await page.click("#close")
        await expect(page.locator("#close")).to_have_count(0, timeout=10000)
        row = await store.escalation(calm.escalation_id)
        assert (row["status"], row["outcome"]) == ("closed", "referred")
        overflow = await page.evaluate("document.documentElement.scrollWidth > innerWidth")
        assert not overflow, "the console scrolls sideways"
        await browser.close()
    assert errors == []
