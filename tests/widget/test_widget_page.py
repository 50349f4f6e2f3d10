"""The widget in Chromium on the real web app, with Rasa unreachable (no model needed).

socket.io cannot connect, so the widget talks over the REST channel; here that channel is
answered by `RestScript`, a scripted stand-in at Rasa's address (Playwright routing) whose
results payload comes from the dialogue's own `bot.dialogue.results`. What is tested is the
widget: rendering, keyboard, screen-reader semantics, XSS, storage, exit, geolocation.
The real conversation with Rasa is in test_widget_stack.py.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bot.dialogue import results
from bot.texts import t
from tests.browser import NEUTRAL_SITE, axe_serious, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.slow]

XSS = '<img src=x onerror="window.__xss=1">'
W = "#relais211-widget"
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")  # what the server takes (bot/runtime/resent.py)
DROP = "drop"  # a failure of RestScript: the connection reset, no HTTP answer


@dataclass
class Hit:
    service_id: str
    name: str
    organization: str
    distance_km: float | None
    open_now: bool
    phone: str | None
    address: str | None
    url: str | None = None
    fictional: bool = True
    next_opening: datetime | None = None


def cards_payload(language: str) -> dict[str, Any]:
    now = datetime.now(ZoneInfo("America/Montreal"))
    hits = [
        Hit("s1", "Banque alimentaire Entraide Laval", "Entraide Laval", 1.24, True,
            "450-555-0101", "1200 boulevard Chomedey, Laval, QC H7V 2X5", "https://example.org"),
        Hit("s2", f"Cuisine {XSS}", "Org <b>bold</b>", 3.5, False, "514 555-0199",
            "99 rue Ontario Est, Montréal", "javascript:window.__xss=2"),
    ]  # fmt: skip
    cards = [results.service_card(hit, i, language, now) for i, hit in enumerate(hits, start=1)]
    return results.results_payload(
        need="food", language=language, page=1, more=False, place_label="Laval", cards=cards
    )


@dataclass
class RestScript:
    """Answers the REST channel like Rasa would, and records what the widget sent.

    `failures`: how the next requests fail, one each, before the others are answered (an HTTP
    status such as 503, with Rasa's REST body for 429/413, or `DROP`); `hold` keeps the next
    requests unanswered until `release()`.
    """

    received: list[dict[str, Any]] = field(default_factory=list)
    hold: bool = False
    held: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    failures: list[int | str] = field(default_factory=list)

    def answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        message, sender = body["message"], body["sender"]
        language = body.get("metadata", {}).get("language", "fr")
        if message.startswith("/greet"):
            return [
                {
                    "recipient_id": sender,
                    "text": t("widget.ui.subtitle", language),
                    "buttons": [{"title": "Alimentation", "payload": "/need_food"}],
                }
            ]
        if message == "/need_food" or body.get("metadata", {}).get("location"):
            return [
                {"recipient_id": sender, "text": "Voici des ressources :"},
                {"recipient_id": sender, "custom": cards_payload(language)},
            ]
        if message == "/ask_human":
            return [
                {"recipient_id": sender, "text": f"Julie <script>{XSS}</script> ici"},
                {"recipient_id": sender, "custom": {"type": "counsellor_message", "name": "Julie"}},
            ]
        if message.startswith("/"):
            return []
        return [{"recipient_id": sender, "text": f"Écho : {message}"}]

    def install(self, context: Any, origin: str) -> None:
        """Answer the REST channel the widget reaches on the origin that served it."""

        def handle(route: Any) -> None:
            body = json.loads(route.request.post_data or "{}")
            self.received.append(body)
            if self.failures:
                self.fail(route, self.failures.pop(0))
            elif self.hold:
                self.held.append((route, body))
            else:
                self.fulfill(route, body)

        context.route(f"{origin}/webhooks/rest/webhook", handle)

    def fulfill(self, route: Any, body: dict[str, Any]) -> None:
        route.fulfill(
            status=200,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps(self.answer(body)),
        )

    def fail(self, route: Any, failure: int | str) -> None:
        if failure == DROP:
            route.abort("connectionreset")
            return
        refusal = {"error": {"message": {"fr": "Trop de messages.", "en": "Too many messages."}}}
        route.fulfill(
            status=int(failure),
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps(refusal if failure in (429, 413) else {"error": "unavailable"}),
        )

    def release(self) -> None:
        """Answer the requests held so far (and the next ones at once)."""
        self.hold = False
        while self.held:
            self.fulfill(*self.held.pop(0))

    def messages(self) -> list[str]:
        return [b["message"] for b in self.received]

    def tries(self, message: str) -> list[str]:
        """The ids of the requests that carried `message` (a resend repeats its id)."""
        return [b["metadata"]["message_id"] for b in self.received if b["message"] == message]


def wait_until(page: Any, condition: Any, what: str, seconds: float = 10) -> None:
    """Let the page run (and the routes answer) until `condition()` holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        page.wait_for_timeout(50)


@dataclass
class SocketScript:
    """Rasa's socket.io channel, scripted over Engine.IO's long-polling (Playwright routing):
    a handshake, the session confirmed, `user_uttered` recorded (answered with the echo while
    `answering`), and `drop()`: the server closes the connection, and refuses new ones.
    """

    script: RestScript
    uttered: list[dict[str, Any]] = field(default_factory=list)
    answering: bool = True
    refusing: bool = False
    outbox: list[str] = field(default_factory=list)
    polls: list[Any] = field(default_factory=list)

    def install(self, context: Any) -> None:
        context.route(lambda url: "/socket.io/" in url, self.handle)

    def handle(self, route: Any) -> None:
        request = route.request
        if "sid=" not in request.url:  # a new connection
            if self.refusing:
                route.fulfill(status=503, body="down")
                return
            handshake = {"sid": "e1", "upgrades": [], "pingInterval": 25000, "pingTimeout": 20000}
            self.reply(route, "0" + json.dumps({**handshake, "maxPayload": 1000000}))
        elif request.method == "GET":
            self.polls.append(route)
            self.flush()
        else:
            for packet in (request.post_data or "").split("\x1e"):
                self.receive(packet)
            self.reply(route, "ok")
            self.flush()

    def receive(self, packet: str) -> None:
        if packet == "40":
            self.outbox.append('40{"sid":"s1"}')
        elif packet.startswith("42"):
            event, data = json.loads(packet[2:])
            if event == "session_request":
                self.emit("session_confirm", data["session_id"])
            elif event == "user_uttered":
                self.uttered.append(data)
                if self.answering:
                    body = {"sender": data["session_id"], **data}
                    for answer in self.script.answer(body):
                        self.emit("bot_uttered", answer)

    def emit(self, event: str, data: Any) -> None:
        self.outbox.append("42" + json.dumps([event, data]))

    def flush(self) -> None:
        while self.outbox and self.polls:
            self.reply(self.polls.pop(0), "\x1e".join(self.outbox))
            self.outbox = []

    def drop(self) -> None:
        """The server goes away: the open connection closed, no new one accepted."""
        self.refusing = True
        self.outbox.append("1")  # Engine.IO's close packet
        self.flush()

    @staticmethod
    def reply(route: Any, text: str) -> None:
        route.fulfill(status=200, content_type="text/plain; charset=UTF-8", body=text)


def open_page(context: Any, url: str) -> Any:
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else 0
    )
    page.csp_errors = errors
    page.goto(url)
    page.locator(f"{W} .r211-launcher").wait_for()
    return page


def open_widget(page: Any) -> None:
    page.locator(f"{W} .r211-launcher").click()
    page.locator(f"{W} .r211-input").wait_for()


def send(page: Any, text: str) -> None:
    page.locator(f"{W} .r211-input").fill(text)
    page.keyboard.press("Enter")


def bubbles(page: Any, kind: str) -> list[str]:
    return page.locator(f"{W} .r211-from-{kind} .r211-text").all_inner_texts()


@pytest.fixture
def script(web_alone: Any) -> RestScript:
    return RestScript()


@pytest.fixture
def page(context_factory: Any, web_alone: Any, script: RestScript) -> Any:
    context = context_factory(viewport={"width": 1280, "height": 800})
    script.install(context, web_alone.web_url)
    return open_page(context, web_alone.web_url + "/")


def test_demo_page_has_csp_and_the_widget_in_french(page: Any, web_alone: Any) -> None:
    response = page.request.get(web_alone.web_url + "/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.locator(f"{W} .r211-launcher-text").inner_text().strip() == t(
        "widget.ui.launcher", "fr"
    )
    assert page.csp_errors == []


def test_keyboard_only_open_talk_and_close(page: Any, script: RestScript) -> None:
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate(
            "document.activeElement?.shadowRoot?.activeElement?.classList.contains('r211-launcher')"
        ):
            break
    else:
        pytest.fail("the launcher is not reachable with Tab")
    page.keyboard.press("Enter")
    focused = "document.activeElement.shadowRoot.activeElement.className"
    assert page.evaluate(focused) == "r211-input"
    page.locator(f"{W} .r211-choice").first.wait_for()  # the greeting's buttons
    page.keyboard.type("bonjour")
    page.keyboard.press("Enter")
    page.locator(f"{W} .r211-from-bot .r211-text", has_text="Écho : bonjour").wait_for()
    assert page.evaluate(focused) == "r211-input"
    page.keyboard.press("Escape")
    assert page.evaluate(focused) == "r211-launcher"
    assert page.locator(f"{W} .r211-panel").is_hidden()


def test_xss_from_the_person_and_the_server_shows_as_text(page: Any, script: RestScript) -> None:
    open_widget(page)
    page.locator(f"{W} .r211-choice").first.click()  # the cards (one named with the XSS)
    page.locator(f"{W} .r211-card").nth(1).wait_for()
    page.locator(f"{W} .r211-tool-main").click()  # counsellor text with <script>
    page.locator(f"{W} .r211-from-counsellor").wait_for()
    send(page, XSS)
    page.locator(f"{W} .r211-from-bot .r211-text", has_text="Écho").wait_for()
    assert XSS in bubbles(page, "user")
    page.wait_for_timeout(300)
    shadow = "document.querySelector('#relais211-widget').shadowRoot"
    assert page.evaluate(f"{shadow}.querySelectorAll('img, script, b').length") == 0
    assert page.evaluate("window.__xss") is None
    names = page.locator(f"{W} .r211-card-name").all_inner_texts()
    assert names[1] == f"Cuisine {XSS}"
    hrefs = page.evaluate(f"[...{shadow}.querySelectorAll('a')].map(a => a.href)")
    assert not [h for h in hrefs if h.startswith("javascript:")]


def test_buttons_cards_counsellor_and_typing(page: Any, script: RestScript) -> None:
    open_widget(page)
    page.locator(f"{W} .r211-choice", has_text="Alimentation").wait_for()
    page.wait_for_timeout(1500)
    assert page.locator(f"{W} .r211-typing").is_hidden()
    script.hold = True
    page.locator(f"{W} .r211-choice", has_text="Alimentation").click()
    page.locator(f"{W} .r211-typing").wait_for(state="visible")
    expect(page.locator(f"{W} .r211-status")).to_have_text(t("widget.ui.typing", "fr"))
    script.release()
    card = page.locator(f"{W} .r211-card").first
    card.wait_for()
    assert script.messages()[-1] == "/need_food"
    assert "Alimentation" in bubbles(page, "user")
    assert card.locator("a[href='tel:+14505550101']").inner_text() == "450-555-0101"
    osm = card.locator("a[href^='https://www.openstreetmap.org/search?query=']")
    assert "1200 boulevard Chomedey" in osm.inner_text()
    assert card.locator(".r211-badge").inner_text() == t("widget.ui.fictional", "fr")
    assert "à 1,2 km" in card.inner_text() and t("format.open_now", "fr") in card.inner_text()
    page.locator(f"{W} .r211-tool-main").click()
    who = page.locator(f"{W} .r211-from-counsellor .r211-who")
    who.wait_for()
    assert who.inner_text() == t("widget.ui.counsellor_named", "fr", name="Julie")
    assert script.messages()[-1] == "/ask_human"
    assert bubbles(page, "user")[-1] == t("widget.ui.counsellor", "fr")


def test_switching_language_relabels_and_tells_rasa(page: Any, script: RestScript) -> None:
    open_widget(page)
    page.locator(f"{W} .r211-lang").click()
    assert page.locator(f"{W} .r211-launcher").get_attribute("aria-expanded") == "true"
    assert page.locator(f"{W} .r211-title").inner_text() == t("widget.ui.title", "en")
    assert page.locator(f"{W} .r211").get_attribute("lang") == "en"
    placeholder = page.locator(f"{W} .r211-input").get_attribute("placeholder")
    assert placeholder == t("widget.ui.input_placeholder", "en")
    page.wait_for_function("() => true")
    deadline = time.monotonic() + 5
    while '/change_language{"language":"en"}' not in script.messages():
        assert time.monotonic() < deadline, script.messages()
        page.wait_for_timeout(100)
    last = script.received[-1]
    assert MESSAGE_ID.fullmatch(last["metadata"].pop("message_id"))
    assert last["metadata"] == {"language": "en", "channel": "web"}


def test_english_page_starts_in_english(context_factory: Any, web_alone: Any) -> None:
    script = RestScript()
    context = context_factory()
    script.install(context, web_alone.web_url)
    page = open_page(context, web_alone.web_url + "/?lang=en")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator(f"{W} .r211-launcher-text").inner_text().strip() == t(
        "widget.ui.launcher", "en"
    )
    open_widget(page)
    page.locator(f"{W} .r211-choice").first.wait_for()
    assert script.messages()[0] == '/greet{"language":"en"}'


def test_conversation_survives_reload_and_new_tab(page: Any, script: RestScript) -> None:
    open_widget(page)
    send(page, "je cherche un logement")
    page.locator(f"{W} .r211-text", has_text="Écho : je cherche un logement").wait_for()
    page.reload()
    page.locator(f"{W} .r211-text", has_text="Écho : je cherche un logement").wait_for()
    assert page.locator(f"{W} .r211-panel").is_visible()
    other = page.context.new_page()
    other.goto(page.url)
    other.locator(f"{W} .r211-text", has_text="Écho : je cherche un logement").wait_for()
    senders = {b["sender"] for b in script.received}
    assert len(senders) == 1 and re.fullmatch(r"[0-9a-f]{32}", senders.pop())


def test_start_over_clears_and_restarts(page: Any, script: RestScript) -> None:
    open_widget(page)
    send(page, "allo")
    page.locator(f"{W} .r211-text", has_text="Écho : allo").wait_for()
    first_sender = script.received[-1]["sender"]
    page.locator(f"{W} .r211-tool", has_text=t("widget.ui.restart", "fr")).click()
    page.locator(f"{W} .r211-choice").first.wait_for()
    assert bubbles(page, "user") == []
    restart = next(b for b in script.received if b["message"] == "/restart")
    assert restart["sender"] == first_sender
    assert script.received[-1]["message"].startswith("/greet")
    assert script.received[-1]["sender"] != first_sender


def test_quick_exit_leaves_and_forgets(page: Any, script: RestScript, web_alone: Any) -> None:
    open_widget(page)
    send(page, "ma situation est difficile")
    page.locator(f"{W} .r211-text", has_text="Écho").wait_for()
    page.locator(f"{W} .r211-exit").click()
    page.wait_for_url(NEUTRAL_SITE)
    page.goto(web_alone.web_url + "/")
    page.locator(f"{W} .r211-launcher").wait_for()
    assert page.evaluate("localStorage.getItem('relais211.conversation.v1')") in (None, "null") or (
        json.loads(page.evaluate("localStorage.getItem('relais211.conversation.v1')"))["messages"]
        == []
    )
    assert page.locator(f"{W} .r211-msg").count() == 0


def test_geolocation_sends_coordinates(context_factory: Any, web_alone: Any) -> None:
    script = RestScript()
    context = context_factory(
        geolocation={"latitude": 45.55781, "longitude": -73.72136}, permissions=["geolocation"]
    )
    script.install(context, web_alone.web_url)
    page = open_page(context, web_alone.web_url + "/")
    open_widget(page)
    page.locator(f"{W} .r211-tool", has_text=t("widget.ui.location", "fr")).click()
    page.locator(f"{W} .r211-card").first.wait_for()
    # the words the person sees, and the point in the metadata: the NLU places it once
    sent = next(b for b in script.received if (b.get("metadata") or {}).get("location"))
    assert sent["message"] == t("widget.ui.location_shared", "fr")
    assert sent["metadata"]["location"] == {"lat": 45.558, "lon": -73.721}
    assert t("widget.ui.location_shared", "fr") in bubbles(page, "user")


def test_geolocation_refused_explains(context_factory: Any, web_alone: Any) -> None:
    context = context_factory()  # no permission granted: headless Chromium denies
    RestScript().install(context, web_alone.web_url)
    page = open_page(context, web_alone.web_url + "/")
    open_widget(page)
    page.locator(f"{W} .r211-tool", has_text=t("widget.ui.location", "fr")).click()
    page.locator(f"{W} .r211-from-notice").wait_for()
    assert bubbles(page, "notice")[-1] in (
        t("widget.ui.location_denied", "fr"),
        t("widget.ui.location_unavailable", "fr"),
    )


@pytest.mark.parametrize("width,height", [(1280, 800), (360, 740)])
def test_axe_and_screenshots(context_factory: Any, web_alone: Any, width: int, height: int) -> None:
    script = RestScript()
    context = context_factory(viewport={"width": width, "height": height})
    script.install(context, web_alone.web_url)
    page = open_page(context, web_alone.web_url + "/")
    screenshot(page, f"widget-{width}-closed.png")
    assert axe_serious(page) == []
    open_widget(page)
    page.locator(f"{W} .r211-choice").first.click()
    page.locator(f"{W} .r211-card").first.wait_for()
    page.locator(f"{W} .r211-tool-main").click()
    page.locator(f"{W} .r211-from-counsellor").wait_for()
    page.wait_for_timeout(1500)  # typing indicator gone
    assert axe_serious(page) == []
    page.locator(f"{W} .r211-card").first.scroll_into_view_if_needed()
    screenshot(page, f"widget-{width}-cards.png")
    page.locator(f"{W} .r211-from-counsellor").scroll_into_view_if_needed()
    screenshot(page, f"widget-{width}-open.png")
    box = page.locator(f"{W} .r211-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator(f"{W} .r211-send").is_visible()
    assert page.locator(f"{W} .r211-exit").is_visible()
    assert page.csp_errors == []


# ---- a failed send is sent once more, with the same id (issue 18) -------------------------------


def greeted(page: Any) -> None:
    open_widget(page)
    page.locator(f"{W} .r211-choice").first.wait_for()
    expect(page.locator(f"{W} .r211-typing")).to_be_hidden()


def test_every_message_carries_its_own_id(page: Any, script: RestScript) -> None:
    greeted(page)
    page.locator(f"{W} .r211-choice").first.click()  # a button's payload too
    page.locator(f"{W} .r211-card").first.wait_for()
    send(page, "bonjour")
    page.locator(f"{W} .r211-text", has_text="Écho : bonjour").wait_for()
    send(page, "bonjour")  # the same words again are another message
    echoes = page.locator(f"{W} .r211-from-bot .r211-text", has_text="Écho : bonjour")
    expect(echoes).to_have_count(2)
    ids = [b["metadata"]["message_id"] for b in script.received]
    assert script.messages()[1:] == ["/need_food", "bonjour", "bonjour"]
    assert all(MESSAGE_ID.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == len(ids) == 4


@pytest.mark.parametrize("failure", [503, DROP])
def test_a_failed_send_is_sent_once_more_and_answered_once(
    page: Any, script: RestScript, failure: int | str
) -> None:
    greeted(page)
    script.failures = [failure]
    script.hold = True  # the resend waits: the person still sees the dots, no notice
    send(page, "bonjour")
    wait_until(page, lambda: len(script.tries("bonjour")) == 2, "no resend")
    expect(page.locator(f"{W} .r211-typing")).to_be_visible()
    assert bubbles(page, "notice") == []
    script.release()
    expect(page.locator(f"{W} .r211-typing")).to_be_hidden()
    assert bubbles(page, "bot").count("Écho : bonjour") == 1
    assert bubbles(page, "user") == ["bonjour"]
    first, again = script.tries("bonjour")
    assert first == again and MESSAGE_ID.fullmatch(first)
    send(page, "merci")  # the conversation goes on, nothing else sent meanwhile
    page.locator(f"{W} .r211-text", has_text="Écho : merci").wait_for()
    assert script.messages()[1:] == ["bonjour", "bonjour", "merci"]
    assert bubbles(page, "bot").count("Écho : bonjour") == 1
    assert bubbles(page, "notice") == []


@pytest.mark.parametrize("failures", [[503, 503], [DROP, 504]])
def test_failing_twice_says_so_politely_in_french(
    page: Any, script: RestScript, failures: list[int | str]
) -> None:
    greeted(page)
    script.failures = list(failures)
    send(page, "bonjour")
    expect(page.locator(f"{W} .r211-from-notice .r211-text")).to_have_text(
        t("widget.ui.error_offline", "fr")
    )
    expect(page.locator(f"{W} .r211-typing")).to_be_hidden()
    assert len(set(script.tries("bonjour"))) == 1 and len(script.tries("bonjour")) == 2
    assert "Écho : bonjour" not in bubbles(page, "bot")


def test_failing_twice_says_so_politely_in_english(context_factory: Any, web_alone: Any) -> None:
    script = RestScript()
    context = context_factory()
    script.install(context, web_alone.web_url)
    page = open_page(context, web_alone.web_url + "/?lang=en")
    greeted(page)
    script.failures = [DROP, DROP]
    send(page, "hello")
    expect(page.locator(f"{W} .r211-from-notice .r211-text")).to_have_text(
        t("widget.ui.error_offline", "en")
    )
    expect(page.locator(f"{W} .r211-typing")).to_be_hidden()
    assert len(script.tries("hello")) == 2 and len(set(script.tries("hello"))) == 1


def test_a_refusal_over_a_limit_is_not_sent_again(page: Any, script: RestScript) -> None:
    greeted(page)
    script.failures = [429]
    send(page, "bonjour")
    # shown at once: a resend would come first (after a second) and show its answer instead
    expect(page.locator(f"{W} .r211-from-notice .r211-text")).to_have_text("Trop de messages.")
    expect(page.locator(f"{W} .r211-typing")).to_be_hidden()
    assert len(script.tries("bonjour")) == 1


@pytest.mark.parametrize("resend_fails", [False, True])
def test_a_message_unanswered_when_the_socket_drops_is_sent_again_over_rest(
    context_factory: Any, web_alone: Any, resend_fails: bool
) -> None:
    script = RestScript()
    socket = SocketScript(script)
    context = context_factory()
    script.install(context, web_alone.web_url)
    socket.install(context)
    page = open_page(context, web_alone.web_url + "/")
    greeted(page)  # over socket.io
    send(page, "allo")
    page.locator(f"{W} .r211-text", has_text="Écho : allo").wait_for()
    assert [u["message"] for u in socket.uttered][1:] == ["allo"] and script.received == []
    socket.answering = False
    send(page, "bonjour")
    wait_until(page, lambda: len(socket.uttered) == 3, "not sent over socket.io")
    script.failures = [503] if resend_fails else []
    socket.drop()
    if resend_fails:  # one resend only, then the polite notice
        notice = page.locator(f"{W} .r211-from-notice .r211-text")
        expect(notice).to_have_text(t("widget.ui.error_offline", "fr"))
    else:
        page.locator(f"{W} .r211-text", has_text="Écho : bonjour").wait_for()
        assert bubbles(page, "notice") == []
    expect(page.locator(f"{W} .r211-typing")).to_be_hidden()
    emitted = socket.uttered[-1]["metadata"]["message_id"]
    assert MESSAGE_ID.fullmatch(emitted) and script.tries("bonjour") == [emitted]
    assert script.messages() == ["bonjour"]  # "allo" was answered: not sent again
    assert bubbles(page, "user") == ["allo", "bonjour"]
    assert bubbles(page, "bot").count("Écho : bonjour") == (0 if resend_fails else 1)
