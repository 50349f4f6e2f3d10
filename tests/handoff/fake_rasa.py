"""A small stand-in for Rasa's HTTP API (tracker read, events append) used by the console
and relay tests that do not need the real model; the end-to-end test uses the real Rasa."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from aiohttp import web

TOKEN = "test-token"


class FakeRasa:
    """Conversations as event lists; `delivered` collects what a channel would have sent."""

    def __init__(self) -> None:
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.delivered: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.down = False
        self.channel = "socketio"

    def user(self, sender: str, text: str, intent: str = "chitchat") -> dict[str, Any]:
        event = {
            "event": "user",
            "text": text,
            "timestamp": time.time(),
            "parse_data": {"intent": {"name": intent}},
            "input_channel": self.channel,
        }
        self.events[sender].append(event)
        return event

    def paused(self, sender: str) -> bool:
        state = False
        for event in self.events[sender]:
            if event["event"] == "pause":
                state = True
            elif event["event"] in ("resume", "restart"):
                state = False
        return state

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/conversations/{sender}/tracker", self.get_tracker)
        app.router.add_post("/conversations/{sender}/tracker/events", self.post_events)
        return app

    def _check(self, request: web.Request) -> None:
        if self.down:
            raise web.HTTPServiceUnavailable()
        if request.query.get("token") != TOKEN:
            raise web.HTTPUnauthorized()

    async def get_tracker(self, request: web.Request) -> web.Response:
        self._check(request)
        sender = request.match_info["sender"]
        return web.json_response(
            {"sender_id": sender, "events": self.events[sender], "paused": self.paused(sender)}
        )

    async def post_events(self, request: web.Request) -> web.Response:
        self._check(request)
        sender = request.match_info["sender"]
        body = await request.json()
        for event in body if isinstance(body, list) else [body]:
            event = {**event, "timestamp": time.time()}
            self.events[sender].append(event)
            if event["event"] == "bot" and request.query.get("execute_side_effects") == "true":
                self.delivered[sender].append(event)
        return web.json_response({"sender_id": sender, "events": self.events[sender]})
