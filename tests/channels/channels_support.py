"""Fixtures of the SMS channel tests.

- `FakeProvider`: a small aiohttp server speaking the provider's REST API
  (`POST /2010-04-01/Accounts/{sid}/Messages.json`, Basic auth) that records what is sent;
  a number listed in `unsubscribed` gets the provider's 21610 error.
- `sign(url, params)`: the `X-Twilio-Signature` the provider would compute.
- `sms_server`: a real Sanic server in the test's loop with the channel's blueprint, and a
  scripted stand-in for Rasa (`ScriptedBot`); the real Rasa is in test_sms_e2e.py.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from twilio.request_validator import RequestValidator

from bot.channels.sms_config import SmsConfig

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789"
FROM_NUMBER = "+15145550000"
SECRET = "test-secret-key-for-sms"
WEBHOOK_PATH = "/webhooks/twilio_sms/webhook"


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


@dataclass
class Sent:
    to: str
    sender: str
    body: str
    at: float


@dataclass
class FakeProvider:
    """Records messages posted to the fake REST API."""

    url: str = ""
    sent: list[Sent] = field(default_factory=list)
    unsubscribed: set[str] = field(default_factory=set)
    latency: float = 0.0
    _arrived: asyncio.Condition | None = None

    def to(self, number: str) -> list[str]:
        return [s.body for s in self.sent if s.to == number]

    async def wait_for(self, count: int, number: str | None = None, timeout: float = 10) -> None:
        """Until `count` messages were sent (to `number`), or fail."""
        assert self._arrived is not None

        def enough() -> bool:
            return len([s for s in self.sent if number in (None, s.to)]) >= count

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(enough), timeout)

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["sid"] != ACCOUNT_SID:
            return web.json_response({"code": 20404, "status": 404}, status=404)
        auth = aiohttp.BasicAuth.decode(request.headers.get("Authorization", ""))
        if (auth.login, auth.password) != (ACCOUNT_SID, AUTH_TOKEN):
            return web.json_response({"code": 20003, "status": 401}, status=401)
        form = await request.post()
        to, body = str(form["To"]), str(form["Body"])
        if self.latency:
            await asyncio.sleep(self.latency)
        if to in self.unsubscribed:
            return web.json_response(
                {"code": 21610, "message": "Attempt to send to unsubscribed recipient",
                 "status": 400},
                status=400,
            )  # fmt: skip
        self.sent.append(Sent(to=to, sender=str(form["From"]), body=body, at=time.monotonic()))
        assert self._arrived is not None
        async with self._arrived:
            self._arrived.notify_all()
        sid = "SM" + uuid.uuid4().hex
        return web.json_response(
            {"sid": sid, "account_sid": ACCOUNT_SID, "to": to, "from": str(form["From"]),
             "body": body, "status": "queued", "num_segments": "1"},
            status=201,
        )  # fmt: skip


@pytest.fixture
async def provider(aiohttp_server: Any) -> FakeProvider:
    fake = FakeProvider()
    fake._arrived = asyncio.Condition()
    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", fake.handle)
    server = await aiohttp_server(app)
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


def make_config(provider_url: str, database_url: str, **overrides: Any) -> SmsConfig:
    values = {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "from_number": FROM_NUMBER,
        "public_url": "https://relais.example.org",
        "api_url": provider_url,
        "max_segments": 3,
        "secret_key": SECRET,
        "database_url": database_url,
    }
    values.update(overrides)
    return SmsConfig(**values)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sms.db'}"


@pytest.fixture
def sms_config(provider: FakeProvider, database_url: str) -> SmsConfig:
    return make_config(provider.url, database_url)


GREETING = {
    "fr": ("Bonjour! De quoi avez-vous besoin?", [("Alimentation", "/need_food"),
                                                  ("Logement", "/need_housing")]),
    "en": ("Hello! What do you need help with?", [("Food", "/need_food"),
                                                  ("Housing", "/need_housing")]),
}  # fmt: skip


class ScriptedBot:
    """Stands in for Rasa: answers like the real domain does, and records every turn."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.language: dict[str, str] = {}
        self.paused: set[str] = set()
        self.delay = 0.0
        self.fail_on: str | None = None

    async def __call__(self, message: Any) -> None:
        sender, text = message.sender_id, message.text
        self.received.append((sender, text, dict(message.metadata or {})))
        if self.delay:
            await asyncio.sleep(self.delay)
        if text == self.fail_on:
            raise RuntimeError("boom")
        if sender in self.paused:
            return  # a paused tracker logs the user turn and predicts nothing
        language = self.language.get(sender, "fr")
        out = message.output_channel
        if text.startswith("/change_language"):
            language = self.language[sender] = "en" if '"en"' in text else "fr"
        if text in ("/need_food", "/need_housing"):
            await out.send_response(sender, {"text": "Dans quelle ville êtes-vous?"})
            return
        if text.lower() in ("laval", "montreal"):
            await self._results(out, sender, language)
            return
        if text.startswith("echo "):
            await out.send_response(sender, {"text": text[5:]})
            return
        intro, buttons = GREETING[language]
        await out.send_response(
            sender,
            {"text": intro, "buttons": [{"title": t, "payload": p} for t, p in buttons]},
        )

    async def _results(self, out: Any, sender: str, language: str) -> None:
        cards = [
            {"name": f"Banque alimentaire {i}", "distance_km": 1.25 * i, "open_now": True,
             "status": "Ouvert maintenant", "phone": f"514-555-010{i}",
             "address": f"{i} rue Principale, Laval", "fictional": True}
            for i in (1, 2, 3)
        ]  # fmt: skip
        await out.send_response(
            sender,
            {"text": "Voici des ressources en alimentation près de Laval :",
             "custom": {"type": "service_cards", "language": language, "cards": cards},
             "utter_action": "utter_results_intro"},
        )  # fmt: skip
        for i, card in enumerate(cards, start=1):
            await out.send_response(
                sender,
                {"text": f"{i}. {card['name']}\n☎ {card['phone']}",
                 "utter_action": "utter_service_card"},
            )  # fmt: skip
        await out.send_response(
            sender,
            {"text": "Que voulez-vous faire maintenant?",
             "buttons": [{"title": "Un autre besoin", "payload": "/need_unspecified"},
                         {"title": "Parler à une intervenante", "payload": "/ask_human"},
                         {"title": "C'est tout, merci", "payload": "/goodbye"}]},
        )  # fmt: skip


class FakeTracker:
    def __init__(self, language: str, paused: bool) -> None:
        self.language, self.paused = language, paused

    def get_slot(self, name: str) -> Any:
        return self.language if name == "language" else None

    def is_paused(self) -> bool:
        return self.paused


class FakeAgent:
    """What the channel reads from Rasa's agent: the tracker store (language, pause)."""

    def __init__(self, bot: ScriptedBot) -> None:
        self.bot = bot
        self.tracker_store = self

    async def retrieve(self, sender_id: str) -> FakeTracker | None:
        if not any(sender == sender_id for sender, _, _ in self.bot.received):
            return None
        return FakeTracker(self.bot.language.get(sender_id, "fr"), sender_id in self.bot.paused)


@dataclass
class SmsServer:
    url: str
    channel: Any
    bot: ScriptedBot
    provider: FakeProvider
    session: aiohttp.ClientSession
    public_url: str = "https://relais.example.org"
    counter: int = 0

    async def post(
        self,
        number: str,
        body: str,
        *,
        sid: str | None = None,
        signature: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        """POST a webhook signed for the public URL, as the provider would."""
        self.counter += 1
        params = {
            "MessageSid": sid or f"SM{uuid.uuid4().hex}",
            "AccountSid": ACCOUNT_SID,
            "From": number,
            "To": FROM_NUMBER,
            "Body": body,
            "NumMedia": "0",
            "FromCity": "",  # blank fields are signed too
            **(extra or {}),
        }
        sig = signature if signature is not None else sign(self.public_url + WEBHOOK_PATH, params)
        async with self.session.post(
            self.url + WEBHOOK_PATH, data=params, headers={"X-Twilio-Signature": sig}
        ) as response:
            await response.read()
            return response

    async def drain(self) -> None:
        gateway = self.channel._gateway
        if gateway is not None:
            await gateway.drain()


@pytest.fixture
async def sms_server(sms_config: SmsConfig, provider: FakeProvider) -> AsyncIterator[SmsServer]:
    from sanic import Sanic

    from bot.channels.twilio_sms import TwilioSmsInput

    Sanic.test_mode = True
    app = Sanic(f"sms_test_{uuid.uuid4().hex[:8]}")
    bot = ScriptedBot()
    channel = TwilioSmsInput(sms_config)
    app.ctx.agent = FakeAgent(bot)
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/twilio_sms")
    server = await app.create_server(
        host="127.0.0.1", port=0, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.start_serving()
    port = server.server.sockets[0].getsockname()[1]
    async with aiohttp.ClientSession() as session:
        yield SmsServer(f"http://127.0.0.1:{port}", channel, bot, provider, session)
    if channel._gateway is not None:
        await channel._gateway.close()
    await server.close()
