"""Law 25 in the browser, through the real stack (web app, Rasa, action server) in Debian's
Chromium: the widget keeps as little as possible, and what the person asks to end or erase
is ended or erased on the server too.

- quick exit: nothing left in the browser, the handoff withdrawn, the conversation restarted;
- 30 idle minutes (the stored time set back, never waited for): the history is gone, on the
  next visit and in a page left open;
- "Effacer ma conversation / Erase my conversation": erased in the browser and in every
  store, byte for byte.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.ops.stack import Stack
from bot.privacy.web import PERSON_LEFT
from bot.texts import t
from tests.browser import NEUTRAL_SITE
from tests.privacy.privacy_support import (
    escalations,
    eventually,
    files_holding,
    tracker_events,
    tracker_words,
)
from tests.widget.test_widget_stack import W, open_page, open_widget, send, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = "relais211.conversation.v1"
IDLE_MINUTES = 30  # RetentionPolicy.widget_idle_minutes, served by /widget/boot.json


def kept(page: Any) -> dict[str, Any] | None:
    """What the widget keeps in this browser (localStorage), or None."""
    return page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}'))")


def words(page: Any) -> str:
    """Every message the widget shows, as one text."""
    return " ".join(page.locator(f"{W} .r211-msg").all_inner_texts())


def say_and_wait(page: Any, text: str) -> None:
    """Send `text` and wait until the assistant answered it and the widget kept both."""
    send(page, text)
    page.locator(f"{W} .r211-from-user .r211-text", has_text=text).wait_for()

    def answered() -> bool:
        messages = (kept(page) or {}).get("messages") or [{}]
        return messages[-1].get("from") == "bot" and text in str(messages)

    eventually(answered, "the widget kept the person's words and the answer")


def server_view(page: Any, stack: Stack, session_id: str) -> dict[str, Any]:
    """The conversation as the widget gets it from the server (Rasa's tracker)."""
    url = f"{stack.web_url}/widget/api/conversations/{session_id}"
    return dict(page.request.get(url).json())


def nothing_kept_of(page: Any, session_id: str) -> bool:
    """Nothing of that conversation in this browser (a new, empty one may have begun)."""
    state = kept(page)
    return state is None or (state["sessionId"] != session_id and not state["messages"])


def ask_counsellor(page: Any, stack: Stack, session_id: str) -> dict[str, Any]:
    """The counsellor button, consent given: a handoff waiting in the stack's database."""
    page.locator(f"{W} .r211-tool-main").click()
    page.get_by_role("button", name=t("handoff.button.consent_yes", "fr")).click()
    (item,) = eventually(lambda: escalations(stack, session_id), "the handoff was stored")
    assert item["status"] != "closed"
    return item


def test_quick_exit_leaves_nothing_in_the_browser_and_ends_the_conversation(
    context_factory: Any, privacy_stack: Stack
) -> None:
    stack = privacy_stack
    page = open_page(context_factory(), stack.web_url + "/")
    open_widget(page)
    marker = f"sortie{uuid.uuid4().hex[:10]}"
    say_and_wait(page, f"j'ai besoin de nourriture {marker}")
    session_id = kept(page)["sessionId"]
    ask_counsellor(page, stack, session_id)
    assert marker in str(server_view(page, stack, session_id)["messages"])

    page.get_by_role("button", name=t("widget.ui.quick_exit", "fr")).click()
    page.wait_for_url(NEUTRAL_SITE)

    # on the server: the handoff withdrawn (the person left), the conversation restarted
    (item,) = eventually(
        lambda: [i for i in escalations(stack, session_id) if i["status"] == "closed"],
        "the quick exit withdrew the handoff",
    )
    assert item["outcome"] == PERSON_LEFT
    eventually(
        lambda: server_view(page, stack, session_id)["messages"] == [],
        "the quick exit restarted the conversation on the server",
    )
    assert server_view(page, stack, session_id)["paused"] is False
    # in the browser: nothing, and a new visit starts afresh
    page.goto(stack.web_url + "/")
    page.locator(f"{W} .r211-launcher").wait_for()
    assert nothing_kept_of(page, session_id)
    assert page.locator(f"{W} .r211-msg").count() == 0
    open_widget(page)
    assert kept(page)["sessionId"] != session_id
    assert marker not in words(page)


def set_back(page: Any, minutes: float) -> None:
    """The kept conversation's last save moved `minutes` into the past (no waiting)."""
    page.evaluate(
        "(minutes) => {"
        f" const state = JSON.parse(localStorage.getItem('{KEY}'));"
        " state.savedAt = Date.now() - minutes * 60 * 1000;"
        f" localStorage.setItem('{KEY}', JSON.stringify(state)); }}",
        minutes,
    )


def offline(context: Any) -> None:
    """The server's copy out of reach: what expires is what this browser keeps (and a copy
    fetched after the time was set back would be saved again, as activity)."""
    context.route("**/widget/api/conversations/**", lambda route: route.abort())


def test_history_expires_after_thirty_idle_minutes(
    context_factory: Any, privacy_stack: Stack
) -> None:
    stack = privacy_stack
    context = context_factory()
    page = open_page(context, stack.web_url + "/")
    open_widget(page)
    marker = f"oubli{uuid.uuid4().hex[:10]}"
    say_and_wait(page, f"je cherche un logement {marker}")
    session_id = kept(page)["sessionId"]
    offline(context)

    # a little less than the limit: still there after a reload
    set_back(page, IDLE_MINUTES - 1)
    page.reload()
    page.locator(f"{W} .r211-from-user .r211-text", has_text=marker).wait_for()
    assert kept(page)["sessionId"] == session_id

    # past the limit: the next visit finds nothing, and starts a new conversation
    set_back(page, IDLE_MINUTES + 1)
    page.reload()
    page.locator(f"{W} .r211-launcher").wait_for()
    assert nothing_kept_of(page, session_id)
    assert marker not in words(page)
    open_widget(page)
    assert kept(page)["sessionId"] != session_id
    assert marker not in words(page)


def test_history_expires_in_a_page_left_open(context_factory: Any, privacy_stack: Stack) -> None:
    """The page stays open on a shared computer: the widget's minute check forgets it."""
    stack = privacy_stack
    context = context_factory()
    context.clock.install()  # the page's time flows as usual until it is moved forward
    page = open_page(context, stack.web_url + "/")
    open_widget(page)
    marker = f"ouvert{uuid.uuid4().hex[:10]}"
    say_and_wait(page, f"je cherche une banque alimentaire {marker}")
    session_id = kept(page)["sessionId"]
    offline(context)
    set_back(page, IDLE_MINUTES + 1)
    page.clock.fast_forward("01:05")  # the check runs every minute: one is due
    shadow = f"document.querySelector('{W}').shadowRoot"
    wait_until(page, f"!{shadow}.textContent.includes('{marker}')")
    assert nothing_kept_of(page, session_id)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_erase_button_erases_here_and_on_the_server(
    context_factory: Any, privacy_stack: Stack, language: str
) -> None:
    stack = privacy_stack
    page = open_page(context_factory(), f"{stack.web_url}/?lang={language}")
    open_widget(page)
    marker = f"efface{uuid.uuid4().hex[:10]}"
    said = {"fr": "j'ai besoin d'aide pour payer mon loyer", "en": "I need help to pay my rent"}
    say_and_wait(page, f"{said[language]} {marker}")
    session_id = kept(page)["sessionId"]
    if language == "fr":
        ask_counsellor(page, stack, session_id)
    assert tracker_events(stack, session_id) > 0
    assert files_holding(stack.folder, marker), "the words should be stored by now"

    button = page.get_by_role(
        "button", name={"fr": "Effacer ma conversation", "en": "Erase my conversation"}[language]
    )
    button.click()
    shadow = f"document.querySelector('{W}').shadowRoot"
    wait_until(page, f"!{shadow}.textContent.includes('{marker}')")
    notices = page.locator(f"{W} .r211-from-notice").all_inner_texts()
    assert t("widget.ui.erased", language) in notices, notices
    assert marker not in str(kept(page))
    assert (kept(page) or {}).get("sessionId") != session_id
    assert tracker_words(stack, session_id) == 0
    assert escalations(stack, session_id) == []
    assert server_view(page, stack, session_id)["messages"] == []
    assert files_holding(stack.folder, marker) == []  # databases, their WAL, logs
    # the conversation goes on, as a new one
    say_and_wait(page, "merci" if language == "fr" else "thanks")
    assert kept(page)["sessionId"] != session_id
