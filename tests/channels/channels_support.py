"""Fixtures of the SMS channel tests.

- `provider`: the SMS sandbox (`bot.ops.sms_sandbox`) serving the provider's REST API in the
  test's loop; it records what is sent, and a number listed in `unsubscribed` gets 21610;
- `sign(url, params)`: the `X-Twilio-Signature` the provider would compute.
- `sms_server`: a real Sanic server in the test's loop with the channel's blueprint, and a
  scripted stand-in for Rasa (`ScriptedBot`); the real Rasa is in test_sms_e2e.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from bot.channels.sms_config import SmsConfig
from bot.dialogue import results
from bot.ops.sms_sandbox import (  # noqa: F401  (re-exported for the channel tests)
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    WEBHOOK_PATH,
    Sent,
    SmsSandbox,
    sign,
)
from bot.texts import formats

SECRET = "test-secret-key-for-sms"

FakeProvider = SmsSandbox
"""The provider's REST API: the same sandbox the full stack and `relais run` use."""


@pytest.fixture
async def provider(aiohttp_server: Any) -> SmsSandbox:
    sandbox = SmsSandbox()
    server = await aiohttp_server(sandbox.app())
    sandbox.url = str(server.make_url("")).rstrip("/")
    return sandbox


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
        """What `action_search_services` sends: the intro, one results payload, the menu."""
        now = datetime.now(formats.TZ)
        hits = [
            SimpleNamespace(
                service_id=f"s{i}", name=f"Banque alimentaire {i}", organization=f"Moisson {i}",
                distance_km=1.25 * i, open_now=True, next_opening=None,
                phone=f"514-555-010{i}", address=f"{i} rue Principale, Laval", url=None,
                fictional=True,
            )
            for i in (1, 2, 3)
        ]  # fmt: skip
        payload = results.results_payload(
            need="food", language=language, page=1, more=False, place_label="Laval",
            cards=[results.service_card(h, i, language, now) for i, h in enumerate(hits, 1)],
        )  # fmt: skip
        await out.send_response(
            sender,
            {"text": "Voici des ressources en alimentation près de Laval :",
             "utter_action": "utter_results_intro"},
        )  # fmt: skip
        await out.send_response(sender, {"custom": payload})
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


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """A Sanic app (a channel's blueprint on it) served in the test's loop; its base URL."""
    server = await app.create_server(
        host="127.0.0.1", port=0, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.start_serving()
    try:
        yield f"http://127.0.0.1:{server.server.sockets[0].getsockname()[1]}"
    finally:
        await server.close()


def sanic_app(name: str) -> Any:
    from sanic import Sanic

    Sanic.test_mode = True
    return Sanic(f"{name}_{uuid.uuid4().hex[:8]}")


@pytest.fixture
async def sms_server(sms_config: SmsConfig, provider: FakeProvider) -> AsyncIterator[SmsServer]:
    from bot.channels.twilio_sms import TwilioSmsInput

    app = sanic_app("sms_test")
    bot = ScriptedBot()
    channel = TwilioSmsInput(sms_config)
    app.ctx.agent = FakeAgent(bot)
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/twilio_sms")
    async with serving(app) as url, aiohttp.ClientSession() as session:
        yield SmsServer(url, channel, bot, provider, session)
        if channel._gateway is not None:
            await channel._gateway.close()


async def age(store: Any, message_sid: str, seconds: float) -> None:
    """As if the SMS `message_sid` had been taken by its gateway `seconds` ago."""
    from datetime import timedelta, timezone

    from sqlalchemy import update

    from bot.channels.sms_store import sms_inbound

    async with store.engine.begin() as conn:
        await conn.execute(
            update(sms_inbound)
            .where(sms_inbound.c.message_sid == message_sid)
            .values(taken_at=datetime.now(timezone.utc) - timedelta(seconds=seconds))
        )
