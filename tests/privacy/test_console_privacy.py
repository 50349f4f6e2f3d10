"""The console's privacy page in Debian's Chromium, on the real stack, in French and in
English, found and used as a counsellor would (accessible roles and visible text):

- any counsellor erases everything about a person who asks by phone, and sees what went;
  export, the register and incidents are staff's (refused to a counsellor, even by hand);
- staff exports a person's conversation (identity verified) as a JSON download, reads the
  register of accesses (their export is in it) and records an incident.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.sync_api import expect

from bot.channels.sms_privacy import sender_id_for
from bot.ops.sms_sandbox import Phone
from bot.ops.stack import Counsellor, Stack
from bot.texts import t
from tests.privacy.privacy_support import files_holding, tracker_events
from tests.stacks import COUNSELLOR, STAFF

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """An async step from a sync Playwright test (its loop is not ours: another thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def texting(stack: Stack, number: str, *bodies: str) -> None:
    assert stack.sms is not None
    phone = Phone(number, stack.rasa_url, stack.sms)
    async with aiohttp.ClientSession() as session:
        for body in bodies:
            await phone.say(session, body)


async def chatting(stack: Stack, sender_id: str, *texts: str) -> None:
    async with stack.client() as rasa:
        for text in texts:
            await rasa.send(sender_id, text)


def sign_in(context: Any, stack: Stack, who: Counsellor, language: str) -> Any:
    """The login page in `language`, then the privacy page through the console's link."""
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{stack.web_url}/console/login?lang={language}")
    page.get_by_label(t("console.login.email", language)).fill(who.email)
    page.get_by_label(t("console.login.password", language)).fill(who.password)
    page.get_by_role("button", name=t("console.login.submit", language)).click()
    page.get_by_role("link", name=t("console.privacy", language)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("privacy.console.title", language))
    return page


def form_of(page: Any, button: str) -> Any:
    return page.locator("form").filter(has=page.get_by_role("button", name=button))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_counsellor_erases_on_a_phone_request(
    context_factory: Any, privacy_stack: Stack, language: str
) -> None:
    stack = privacy_stack
    digits = f"{uuid.uuid4().int % 10_000:04d}"
    number = f"+1450555{digits}"
    marker = f"tel{uuid.uuid4().hex[:10]}"
    run(texting(stack, number, "Bonjour", f"j'ai besoin d'un logement {marker}"))
    sender_id = sender_id_for(number, stack.options.secret_key)
    assert tracker_events(stack, sender_id) > 0 and files_holding(stack.folder, marker)

    page = sign_in(context_factory(), stack, COUNSELLOR, language)
    expect(page.get_by_text(t("privacy.console.staff_only", language))).to_be_visible()
    expect(page.get_by_role("button", name=t("privacy.console.export", language))).to_have_count(0)
    expect(page.get_by_role("table")).to_have_count(0)  # the register is staff's

    erase = t("privacy.console.forget", language)
    form_of(page, erase).get_by_label(t("privacy.console.phone", language)).fill(
        f"450 555-{digits}"  # as the person says it on the phone
    )
    page.get_by_role("button", name=erase).click()
    done = page.get_by_role("region", name=t("privacy.console.done", language))
    expect(done).to_contain_text(t("privacy.store.tracker", language))
    expect(done).to_contain_text(t("privacy.store.sms", language))

    assert tracker_events(stack, sender_id) == 0
    assert files_holding(stack.folder, marker) == []
    # what the page does not offer a counsellor is refused by hand too
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    for path, form in (
        ("export", {"conversation": sender_id, "verified": "yes"}),
        ("incidents", {"occurred": "2026-01-01", "description": "essai"}),
    ):
        answer = page.request.post(
            f"{stack.web_url}/console/privacy/{path}", form={**form, "csrf": csrf}
        )
        assert answer.status == 403, path
        assert answer.json()["error"]["message"][language] == t("console.error.forbidden", language)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_staff_exports_reads_the_register_and_records_an_incident(
    context_factory: Any, privacy_stack: Stack, language: str
) -> None:
    stack = privacy_stack
    sender_id = uuid.uuid4().hex
    marker = f"exp{uuid.uuid4().hex[:10]}"
    run(chatting(stack, sender_id, "Bonjour", f"j'ai besoin de nourriture {marker}"))

    page = sign_in(context_factory(accept_downloads=True), stack, STAFF, language)
    export = t("privacy.console.export", language)
    form = form_of(page, export)
    form.get_by_label(t("privacy.console.conversation", language)).fill(sender_id)
    form.get_by_label(t("privacy.console.verified", language)).check()
    with page.expect_download() as download:
        page.get_by_role("button", name=export).click()
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    (conversation,) = document["conversations"]
    assert conversation["id"] == sender_id
    assert any(marker in (m["text"] or "") for m in conversation["messages"])

    # the register: this export, by whom, about whom
    page.reload()
    register = page.get_by_role("table")
    row = register.get_by_role("row").filter(has_text=sender_id)
    expect(row).to_contain_text(STAFF.email)
    expect(row).to_contain_text("export")
    expect(register.get_by_role("columnheader")).to_have_text(
        [t(f"privacy.console.{key}", language) for key in ("when", "who", "what", "target")]
    )

    # an incident, recorded then listed
    description = f"Courriel envoyé au mauvais organisme {marker}"
    record = t("privacy.console.record", language)
    incident = form_of(page, record)
    incident.get_by_label(t("privacy.console.occurred", language)).fill("2026-11-30")
    incident.get_by_label(t("privacy.console.description", language)).fill(description)
    incident.get_by_label(t("privacy.console.persons", language)).fill("1")
    incident.get_by_label(t("privacy.console.measures", language)).fill("Organisme avisé")
    incident.get_by_label(t("privacy.console.notified", language)).check()
    page.get_by_role("button", name=record).click()
    listed = page.get_by_role("region", name=t("privacy.console.incidents_title", language))
    expect(listed.get_by_role("listitem").filter(has_text=description)).to_contain_text(STAFF.email)
    assert tracker_events(stack, sender_id) > 0  # an export erases nothing
