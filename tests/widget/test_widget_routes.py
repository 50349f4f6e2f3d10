"""The widget's routes on an app with only this area (bot/web/widget.py), and a stand-in for
Rasa's tracker endpoint that checks the token arrives server side."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web

from bot import texts
from bot.settings import get_settings
from bot.web import keys, widget
from bot.web.headers import security_headers

SESSION = "0123456789abcdef0123456789abcdef"
TOKEN = "secret-rasa-token"


@pytest.fixture
async def rasa(aiohttp_server: Any) -> Any:
    """Rasa's `GET /conversations/{id}/tracker`, answering only with the right token."""
    seen: list[dict[str, str]] = []

    async def tracker(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        if request.query.get("token") != TOKEN:
            return web.json_response({"status": "failure"}, status=401)
        return web.json_response(
            {
                "sender_id": request.match_info["id"],
                "slots": {"language": "en"},
                "paused": False,
                "events": [
                    {"event": "user", "text": "I need food"},
                    {"event": "slot", "name": "language", "value": "en"},  # the detector's
                    {"event": "bot", "text": "Where are you?", "data": {}},
                ],
            }
        )

    app = web.Application()
    app.router.add_get("/conversations/{id}/tracker", tracker)
    server = await aiohttp_server(app)
    server.seen = seen
    return server


@pytest.fixture
async def client(aiohttp_client: Any, rasa: Any) -> Any:
    app = web.Application()
    rasa_url = str(rasa.make_url("")).rstrip("/")
    app[keys.SETTINGS] = replace(get_settings(), rasa_url=rasa_url, rasa_token=TOKEN)
    widget.setup_routes(app)
    app.on_response_prepare.append(security_headers(app))
    return await aiohttp_client(app)


async def test_demo_page_in_both_languages_with_a_csp(client: Any, rasa: Any) -> None:
    for lang in ("fr", "en"):
        response = await client.get(f"/?lang={lang}")
        html = await response.text()
        assert f'<html lang="{lang}">' in html
        assert texts.t("widget.demo.hero_title", lang).replace("'", "&#39;") in html
        assert '<script src="/widget/static/relais211.js?v=' in html
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe" not in policy
        # Rasa's channels are on this origin (bot/web/rasa_proxy.py): its websocket only
        assert f"connect-src 'self' ws://{client.host}:{client.port};" in policy
        assert str(rasa.make_url("")).rstrip("/") not in policy
        assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_boot_has_every_widget_text_of_the_catalog(client: Any) -> None:
    body = await (await client.get("/widget/boot.json")).json()
    keys_ = {k.removeprefix("widget.ui.") for k in texts.catalog() if k.startswith("widget.ui.")}
    for lang in texts.LANGUAGES:
        assert set(body["texts"][lang]) == keys_
        assert body["texts"][lang]["quick_exit"] == texts.t("widget.ui.quick_exit", lang)
    assert body["exit_url"].startswith("https://")
    only_en = await (await client.get("/widget/boot.json?lang=en")).json()
    assert list(only_en["texts"]) == ["en"]


async def test_bundle_is_served(client: Any) -> None:
    response = await client.get("/widget/static/relais211.js")
    assert response.status == 200
    assert "Relais 211 widget" in (await response.text())[:200]


async def test_conversation_proxy_adds_the_token_server_side(client: Any, rasa: Any) -> None:
    response = await client.get(f"/widget/api/conversations/{SESSION}")
    assert response.status == 200
    body = await response.json()
    assert body == {
        "language": "en",
        "paused": False,
        "messages": [
            {"from": "user", "text": "I need food"},
            {"from": "bot", "text": "Where are you?"},
        ],
    }
    assert rasa.seen[-1]["token"] == TOKEN
    assert rasa.seen[-1]["include_events"] == "AFTER_RESTART"
    assert TOKEN not in await response.text()


@pytest.mark.parametrize("bad", ["abc", "../../status", "0123456789ABCDEF0123456789ABCDEF"])
async def test_conversation_proxy_rejects_odd_ids(client: Any, bad: str) -> None:
    response = await client.get(f"/widget/api/conversations/{bad}")
    assert response.status in (400, 404)


async def test_conversation_proxy_when_rasa_is_down(aiohttp_client: Any) -> None:
    app = web.Application()
    app[keys.SETTINGS] = replace(get_settings(), rasa_url="http://127.0.0.1:9", rasa_token=TOKEN)
    widget.setup_routes(app)
    client = await aiohttp_client(app)
    response = await client.get(f"/widget/api/conversations/{SESSION}")
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "rasa_unavailable"
