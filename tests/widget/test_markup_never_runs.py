"""HTML and JavaScript sent as chat messages never run (issue 15), in Debian's Chromium
against the shared full stack: typed in the widget (the person's own bubble, the bot's
answer), and read by a counsellor in the console (the person's messages relayed while a
counsellor holds the conversation). Each markup would set `window.__pwned` or open a dialog
if a page parsed it; the page shows it as text instead."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from typing import Any

import pytest
import requests

from bot.ops.fuzz import MARKUP
from bot.ops.stack import Stack
from tests.stacks import COUNSELLOR

pytestmark = [pytest.mark.integration, pytest.mark.slow]

W = "#relais211-widget"
PWNED = "() => window.__pwned === undefined"


def watch(page: Any) -> list[str]:
    """Dialogs opened by the page (each one a script that ran); dismissed at once."""
    opened: list[str] = []

    def on_dialog(dialog: Any) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


def test_markup_in_the_widget_is_shown_as_text(stack: Stack, context_factory: Any) -> None:
    page = context_factory(viewport={"width": 1280, "height": 800}).new_page()
    page.set_default_timeout(60_000)
    dialogs = watch(page)
    page.goto(stack.web_url + "/")
    page.locator(f"{W} .r211-launcher").click()
    page.locator(f"{W} .r211-from-bot").first.wait_for()
    for markup in MARKUP:
        before = page.locator(f"{W} .r211-from-bot").count()
        page.locator(f"{W} .r211-input").fill(markup)
        page.keyboard.press("Enter")
        for _ in range(240):  # the bot's answer (wait_for_function evaluates: the CSP forbids)
            if page.locator(f"{W} .r211-from-bot").count() > before:
                break
            page.wait_for_timeout(250)
    shown = page.locator(f"{W} .r211-from-user").all_inner_texts()
    assert all(any(markup in text for text in shown) for markup in MARKUP), shown
    assert page.evaluate(PWNED) and dialogs == []
    injected = page.evaluate(
        "() => document.querySelector('#relais211-widget').shadowRoot"
        ".querySelectorAll('img[onerror], svg[onload], iframe, script').length"
    )
    assert injected == 0


def rest(stack: Stack, sender: str, text: str) -> list[dict[str, Any]]:
    response = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=120,
    )
    assert response.status_code == 200
    return response.json()


def escalation_id(stack: Stack, sender: str) -> str:
    database = stack.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(database)) as conn:
        row = conn.execute(
            "SELECT id FROM handoff_escalation WHERE sender_id = ? AND status != 'closed'",
            (sender,),
        ).fetchone()
    assert row is not None, "no escalation for the person"
    return str(row[0])


def test_markup_from_a_person_is_shown_as_text_in_the_console(
    stack: Stack, context_factory: Any
) -> None:
    sender = f"markup-{uuid.uuid4().hex[:8]}"
    rest(stack, sender, MARKUP[0])  # before the handoff: the transcript
    rest(stack, sender, "/ask_human")
    assert rest(stack, sender, "/affirm")
    page = context_factory(viewport={"width": 1280, "height": 800}).new_page()
    page.set_default_timeout(60_000)
    dialogs = watch(page)
    page.goto(stack.web_url + "/console/login")
    page.fill("#email", COUNSELLOR.email)
    page.fill("#password", COUNSELLOR.password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    item = page.locator(f'#queue li[data-id="{escalation_id(stack, sender)}"] button')
    item.wait_for()
    item.click()
    page.click("#claim")
    page.locator("#message").wait_for()
    for markup in MARKUP[1:]:
        rest(stack, sender, markup)  # paused: relayed to the console
    page.locator("#messages").get_by_text(MARKUP[-1], exact=False).wait_for()
    text = page.locator("#messages").inner_text()
    assert all(markup in text for markup in MARKUP[1:]), text
    assert page.evaluate(PWNED) and dialogs == []
    page.click("#handback")  # the bot takes the conversation back
