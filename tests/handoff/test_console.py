"""The console over HTTP (the real web app, every area, a fake Rasa API): login, CSRF,
refusal without login on every route, and the counsellor's work end to end."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp import WSServerHandshakeError

from bot.handoff.escalation import enqueue
from bot.texts import both
from bot.web.console import PREFIX, SERVICE, safe_next
from tests.handoff.fake_rasa import FakeRasa
from tests.handoff.handoff_support import PASSWORD, csrf_of, login

PUBLIC = {f"{PREFIX}/login"}
LOGIN_REQUIRED = {
    "error": {"code": "unauthorized", "message": both("console.error.login_required")}
}


def sent_to_login(location: str, page: str, **query: str) -> bool:
    """Whether `location` is the login page that leads back to `page` (with `query`)."""
    url = urlsplit(location)
    return (url.scheme, url.netloc, url.path) == ("", "", f"{PREFIX}/login") and dict(
        parse_qsl(url.query, keep_blank_values=True)
    ) == {**query, "next": page}


def console_routes(app: Any) -> list[tuple[str, str]]:
    routes = []
    for route in app.router.routes():
        info = route.get_info()
        path = info.get("path") or info.get("formatter") or ""
        if path.startswith(PREFIX) and route.method != "HEAD" and "prefix" not in info:
            routes.append((route.method, path.replace("{id}", "x")))
    return routes


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def receive(ws: Any, kind: str, **match: Any) -> dict[str, Any]:
    """The next websocket event of `kind` (others skipped)."""
    while True:
        event = await ws.receive_json(timeout=5)
        if event["type"] == kind and all(event.get(k) == v for k, v in match.items()):
            return event


async def escalate(app: Any, sender: str, **fields: Any) -> str:
    store = app[SERVICE].store
    ticket = await enqueue(sender_id=sender, language="fr", channel="socketio", store=store,
                           **fields)  # fmt: skip
    return ticket.escalation_id


async def test_every_console_route_refuses_anonymous(web_app: Any, aiohttp_client: Any) -> None:
    """Pages: 303 to the login page with `next` (the page itself for a GET, the console after a
    form POST); API and websocket: 401 with the bilingual JSON error. Unknown paths too."""
    client = await aiohttp_client(web_app)
    routes = console_routes(web_app)
    assert len(routes) >= 14
    unknown = [("GET", f"{PREFIX}/nowhere"), ("GET", f"{PREFIX}/api/nowhere"),
               ("POST", f"{PREFIX}/api/nowhere"), ("DELETE", f"{PREFIX}/api/queue")]  # fmt: skip
    checked = 0
    for method, path in routes + unknown:
        if path in PUBLIC or path == PREFIX:
            continue
        response = await client.request(method, path, allow_redirects=False)
        if "/api/" in path or path.endswith("/ws"):
            assert response.status == 401, (method, path, response.status)
            assert response.content_type == "application/json", path
            assert await response.json() == LOGIN_REQUIRED, path
        else:
            assert response.status == 303, (method, path, response.status)
            page = path if method == "GET" else f"{PREFIX}/"
            assert sent_to_login(response.headers["Location"], page), path
        checked += 1
    assert checked >= 16
    slash = await client.get(PREFIX, allow_redirects=False)
    assert (slash.status, slash.headers["Location"]) == (302, f"{PREFIX}/")
    console = await client.get(f"{PREFIX}/", allow_redirects=False)
    assert console.status == 303
    assert sent_to_login(console.headers["Location"], f"{PREFIX}/")
    static = await client.get(f"{PREFIX}/static/console.css")
    assert static.status == 200
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect(f"{PREFIX}/ws")
    assert refused.value.status == 401


async def test_login_returns_to_the_page_asked_for(web_app: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(web_app)
    asked = await client.get(f"{PREFIX}/?view=callbacks")
    assert sent_to_login(str(asked.url.relative()), f"{PREFIX}/?view=callbacks")
    assert asked.history[0].status == 303
    html = await asked.text()
    assert 'name="next" value="/console/?view=callbacks"' in html
    assert f'href="{PREFIX}/login?lang=en&amp;next=%2Fconsole%2F%3Fview%3Dcallbacks"' in html
    signed_in = await client.post(
        f"{PREFIX}/login",
        data={"email": "ana@example.org", "password": PASSWORD, "csrf": csrf_of(html),
              "next": f"{PREFIX}/?view=callbacks"},
        allow_redirects=False,
    )  # fmt: skip
    assert (signed_in.status, signed_in.headers["Location"]) == (303, f"{PREFIX}/?view=callbacks")
    assert (await client.get(f"{PREFIX}/api/queue")).status == 200


@pytest.mark.parametrize(
    "wanted",
    ["https://evil.example/", "//evil.example/console/", "/console//evil.example",
     "/elsewhere", "/console/login", "/console/api/queue", "/console/ws", "/console/../admin",
     "/console/\r\nSet-Cookie: x=1", "javascript:alert(1)", ""],
)  # fmt: skip
def test_login_never_leads_outside_the_console(wanted: str) -> None:
    assert safe_next(wanted) == f"{PREFIX}/"


def test_login_leads_to_console_pages() -> None:
    assert safe_next(f"{PREFIX}/") == f"{PREFIX}/"
    assert safe_next(f"{PREFIX}/?view=callbacks") == f"{PREFIX}/?view=callbacks"


async def test_login_rejects_wrong_password_and_needs_csrf(
    web_app: Any, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(web_app)
    page = await client.get(f"{PREFIX}/login")
    token = csrf_of(await page.text())
    no_csrf = await client.post(
        f"{PREFIX}/login", data={"email": "ana@example.org", "password": PASSWORD}
    )
    assert no_csrf.status == 403
    wrong = await client.post(
        f"{PREFIX}/login",
        data={"email": "ana@example.org", "password": "nope-nope-nope", "csrf": token},
        allow_redirects=False,
    )
    assert wrong.status == 303
    assert sent_to_login(wrong.headers["Location"], f"{PREFIX}/", error="1")
    assert (await client.get(f"{PREFIX}/api/queue")).status == 401


async def test_posts_need_the_csrf_token(web_app: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(web_app)
    token = await login(client, "ana@example.org")
    item = await escalate(web_app, "p1")
    refused = await client.post(f"{PREFIX}/api/escalations/{item}/claim")
    assert refused.status == 403
    forged = await client.post(
        f"{PREFIX}/api/escalations/{item}/claim", headers={"X-CSRF-Token": "forged"}
    )
    assert forged.status == 403
    ok = await client.post(
        f"{PREFIX}/api/escalations/{item}/claim", headers={"X-CSRF-Token": token}
    )
    assert ok.status == 200


async def test_console_page_in_both_languages(web_app: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(web_app)
    token = await login(client, "ana@example.org")
    french = await (await client.get(f"{PREFIX}/")).text()
    assert 'lang="fr"' in french and "Se déconnecter" in french
    await client.post(f"{PREFIX}/language", data={"lang": "en", "csrf": token})
    english = await (await client.get(f"{PREFIX}/")).text()
    assert 'lang="en"' in english and "Sign out" in english


async def test_counsellor_works_a_conversation(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await aiohttp_client(web_app)
    token = await login(client, "ana@example.org")
    headers = {"X-CSRF-Token": token}
    asked = fake_rasa.user("p1", "je veux parler à quelqu'un", "ask_human")
    item = await escalate(web_app, "p1", need="food", municipality="65005", crisis=None,
                          services=[{"name": "Banque alimentaire", "phone": "450-555-0100"}],
                          last_event_ts=asked["timestamp"])  # fmt: skip
    ws = await client.ws_connect(f"{PREFIX}/ws")
    snapshot = await receive(ws, "queue")
    [shown] = snapshot["items"]
    assert shown["need_label"] and shown["municipality_name"] == "Laval"
    assert shown["services"][0]["name"] == "Banque alimentaire"

    assert (await client.post(f"{PREFIX}/api/escalations/{item}/claim", headers=headers)).ok
    assert "Ana" in fake_rasa.delivered["p1"][-1]["data"]["custom"]["data"]["text"]

    fake_rasa.user("p1", "allo? j'ai faim")
    while True:  # the relay pushes the person's message live
        event = await receive(ws, "message")
        if event["message"]["direction"] == "person":
            assert event["message"]["text"] == "allo? j'ai faim"
            break

    reply = await client.post(
        f"{PREFIX}/api/escalations/{item}/messages", json={"text": "Bonjour!"}, headers=headers
    )
    assert reply.status == 201
    sent = fake_rasa.delivered["p1"][-1]
    message_id = (await reply.json())["message"]["id"]
    metadata = {"type": "counsellor_message", "name": "Ana", "message_id": message_id}
    assert sent["data"]["custom"]["data"] == {
        "type": "counsellor_message", "name": "Ana", "text": "Bonjour!", "metadata": metadata,
    }  # fmt: skip
    assert sent["metadata"]["type"] == "counsellor_message"

    note = await client.post(
        f"{PREFIX}/api/escalations/{item}/notes", json={"text": "à rappeler"}, headers=headers
    )
    assert note.status == 201
    detail = await (await client.get(f"{PREFIX}/api/escalations/{item}")).json()
    assert [m["direction"] for m in detail["messages"]] == ["system", "person", "counsellor"]
    assert detail["notes"][0]["text"] == "à rappeler"
    assert detail["transcript"][0]["text"] == "je veux parler à quelqu'un"

    bad = await client.post(
        f"{PREFIX}/api/escalations/{item}/close", json={"outcome": "bogus"}, headers=headers
    )
    assert bad.status == 400
    closed = await client.post(
        f"{PREFIX}/api/escalations/{item}/close", json={"outcome": "referred"}, headers=headers
    )
    assert closed.status == 200
    kinds = [e["event"] for e in fake_rasa.events["p1"]]
    assert kinds[-3:] == ["resume", "bot", "action"]
    await ws.close()


async def test_second_counsellor_cannot_claim_or_write(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa
) -> None:
    ana = await aiohttp_client(web_app)
    ana_token = await login(ana, "ana@example.org")
    item = await escalate(web_app, "p2")
    assert (await ana.post(f"{PREFIX}/api/escalations/{item}/claim",
                           headers={"X-CSRF-Token": ana_token})).ok  # fmt: skip
    from aiohttp import ClientSession, CookieJar

    async with ClientSession(
        base_url=str(ana.make_url("")), cookie_jar=CookieJar(unsafe=True)
    ) as ben_session:
        page = await ben_session.get(f"{PREFIX}/login")
        token = csrf_of(await page.text())
        await ben_session.post(
            f"{PREFIX}/login",
            data={"email": "ben@example.org", "password": PASSWORD, "csrf": token},
        )
        console = await (await ben_session.get(f"{PREFIX}/")).text()
        ben_token = console.split('name="csrf-token" content="')[1].split('"')[0]
        headers = {"X-CSRF-Token": ben_token}
        again = await ben_session.post(f"{PREFIX}/api/escalations/{item}/claim", headers=headers)
        assert again.status == 409
        write = await ben_session.post(
            f"{PREFIX}/api/escalations/{item}/messages", json={"text": "hi"}, headers=headers
        )
        assert write.status == 409
        handback = await ben_session.post(
            f"{PREFIX}/api/escalations/{item}/handback", headers=headers
        )
        assert handback.status == 409


async def test_logout_hands_conversations_back(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await aiohttp_client(web_app)
    token = await login(client, "ana@example.org")
    item = await escalate(web_app, "p3")
    await client.post(f"{PREFIX}/api/escalations/{item}/claim", headers={"X-CSRF-Token": token})
    out = await client.post(f"{PREFIX}/logout", data={"csrf": token}, allow_redirects=False)
    assert (out.status, out.headers["Location"]) == (303, f"{PREFIX}/login")
    store = web_app[SERVICE].store
    row = await store.escalation(item)
    assert (row["status"], row["outcome"]) == ("closed", "returned_to_bot")
    assert "quitter" in fake_rasa.delivered["p3"][-1]["data"]["custom"]["data"]["text"]
    assert (await client.get(f"{PREFIX}/api/queue")).status == 401


async def test_counsellor_gone_too_long_returns_conversation(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await aiohttp_client(web_app)
    token = await login(client, "ana@example.org")
    service = web_app[SERVICE]
    service.settings = service.settings.__class__(counsellor_grace=0.3, poll_interval=0.05)
    item = await escalate(web_app, "p4")
    ws = await client.ws_connect(f"{PREFIX}/ws")
    await client.post(f"{PREFIX}/api/escalations/{item}/claim", headers={"X-CSRF-Token": token})
    await asyncio.sleep(0.6)
    assert (await service.store.escalation(item))["status"] == "active"  # console open
    await ws.close()

    async def returned() -> bool:
        return (await service.store.escalation(item))["outcome"] == "returned_to_bot"

    await wait_for(returned)
    assert not fake_rasa.paused("p4") or fake_rasa.events["p4"][-3]["event"] == "resume"


async def test_person_leaving_is_shown(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa
) -> None:
    client = await aiohttp_client(web_app)
    await login(client, "ana@example.org")
    item = await escalate(web_app, "p5")
    ws = await client.ws_connect(f"{PREFIX}/ws")
    fake_rasa.user("p5", "bye", "goodbye")
    await receive(ws, "person_left", escalation_id=item)
    queue = await (await client.get(f"{PREFIX}/api/queue")).json()
    assert queue["items"][0]["person_left"] is True


async def test_callbacks_listed_and_closed(web_app: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(web_app)
    token = await login(client, "ana@example.org")
    store = web_app[SERVICE].store
    row = await store.add_callback(sender_id="s", phone="+15148721111", contact="sms",
                                   language="en", best_time="tomorrow 9am", need="housing")  # fmt: skip
    listed = await (await client.get(f"{PREFIX}/api/callbacks")).json()
    assert listed["items"][0]["phone"] == "+15148721111"
    url = f"{PREFIX}/api/callbacks/{row['id']}/close"
    assert (await client.post(url, json={"outcome": "information_given"},
                              headers={"X-CSRF-Token": token})).ok  # fmt: skip
    again = await client.post(
        url, json={"outcome": "information_given"}, headers={"X-CSRF-Token": token}
    )
    assert again.status == 409
    assert (await (await client.get(f"{PREFIX}/api/callbacks")).json())["items"] == []


async def test_concurrent_claims_over_http_exactly_one_wins(
    web_app: Any, aiohttp_client: Any
) -> None:
    from aiohttp import ClientSession, CookieJar

    ana = await aiohttp_client(web_app)
    ana_token = await login(ana, "ana@example.org")
    item = await escalate(web_app, "race")
    async with ClientSession(
        base_url=str(ana.make_url("")), cookie_jar=CookieJar(unsafe=True)
    ) as ben:
        page = await ben.get(f"{PREFIX}/login")
        await ben.post(
            f"{PREFIX}/login",
            data={"email": "ben@example.org", "password": PASSWORD,
                  "csrf": csrf_of(await page.text())},
        )  # fmt: skip
        console = await (await ben.get(f"{PREFIX}/")).text()
        ben_token = console.split('name="csrf-token" content="')[1].split('"')[0]
        url = f"{PREFIX}/api/escalations/{item}/claim"

        async def claim(session: Any, token: str) -> int:
            async with session.post(url, headers={"X-CSRF-Token": token}) as response:
                return response.status

        statuses = await asyncio.gather(
            *(claim(ana, ana_token) for _ in range(10)), *(claim(ben, ben_token) for _ in range(10))
        )
    assert sorted(statuses) == [200] + [409] * 19


async def test_transfer_list_follows_who_is_online(web_app: Any, aiohttp_client: Any) -> None:
    """Ben's console opening and closing is announced (`presence`), so Ana's open transfer
    list is read again and shows him only while he is online."""
    from aiohttp.test_utils import TestClient

    ana = await aiohttp_client(web_app)
    await login(ana, "ana@example.org")
    ben = TestClient(ana.server)  # a second browser on the same web app
    try:
        await login(ben, "ben@example.org")
        ws = await ana.ws_connect(f"{PREFIX}/ws")
        assert (await ws.receive_json(timeout=5))["type"] == "queue"
        assert (await (await ana.get(f"{PREFIX}/api/counsellors")).json())["items"] == []
        ben_ws = await ben.ws_connect(f"{PREFIX}/ws")
        await receive(ws, "presence")
        listed = await (await ana.get(f"{PREFIX}/api/counsellors")).json()
        assert [c["name"] for c in listed["items"]] == ["Ben"]
        await ben_ws.close()
        await receive(ws, "presence")
        assert (await (await ana.get(f"{PREFIX}/api/counsellors")).json())["items"] == []
    finally:
        await ben.session.close()


async def test_canned_responses_filled_for_the_conversation(
    web_app: Any, aiohttp_client: Any, fake_rasa: FakeRasa
) -> None:
    """Kept by staff in both languages; a conversation gets those of the person's language,
    the placeholders filled (municipality with its borough, need, counsellor); a taken
    shortcut, an unknown placeholder or a missing one are refused in both languages."""
    client = await aiohttp_client(web_app)
    token = await login(client, "ana@example.org")
    headers = {"X-CSRF-Token": token}
    await web_app[SERVICE].store.set_role("ana@example.org", "staff")
    fr = {
        "shortcut": "lieu",
        "language": "fr",
        "text": "Ici {counsellor} : des ressources en {need} à {municipality}.",
    }
    en = {"shortcut": "lieu", "language": "en", "text": "{counsellor} here, in {municipality}."}
    for body in (fr, en):
        assert (await client.post(f"{PREFIX}/api/canned", json=body, headers=headers)).status == 201
    taken = await client.post(f"{PREFIX}/api/canned", json=fr, headers=headers)
    assert (await taken.json())["error"]["message"] == both("console.error.canned_taken")
    missing = await client.post(f"{PREFIX}/api/canned/999", json=fr, headers=headers)
    assert missing.status == 404
    item = await escalate(web_app, "p1", need="housing", municipality="66023", borough="Verdun")
    detail = await (await client.get(f"{PREFIX}/api/escalations/{item}")).json()
    assert [c["text"] for c in detail["canned"]] == [
        "Ici Ana : des ressources en logement à Verdun (Montréal)."
    ]
    listed = (await (await client.get(f"{PREFIX}/api/canned")).json())["items"]
    first = next(c for c in listed if c["language"] == "en")
    gone = await client.post(f"{PREFIX}/api/canned/{first['id']}/delete", json={}, headers=headers)
    assert gone.status == 200
    assert len((await (await client.get(f"{PREFIX}/api/canned")).json())["items"]) == 1
