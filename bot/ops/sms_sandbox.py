"""An SMS sandbox: a stand-in for the provider's REST API, and phones that text the assistant.

It lets the SMS channel run end to end on one machine with no provider account: the channel
sends its replies to `SmsSandbox` (`RELAIS_SMS_API_URL`) exactly as it would to Twilio
(`POST /2010-04-01/Accounts/{sid}/Messages.json`, Basic auth), which records them; a
`Phone` posts webhooks signed like the provider's (`X-Twilio-Signature`) and reads the
replies. The tests, the benchmarks and a developer's `relais run` use the same one.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from bot.texts import LANGUAGES, t

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "sandbox-auth-token"
FROM_NUMBER = "+15145550000"
PUBLIC_URL = "https://sms.example.org"
"""The address the provider would call; signatures are computed on it."""
WEBHOOK_PATH = "/webhooks/twilio_sms/webhook"
UNSUBSCRIBED_CODE = 21610


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """The `X-Twilio-Signature` the provider computes for a webhook."""
    return str(RequestValidator(token).compute_signature(url, params))


def sms_env(provider_url: str, public_url: str = PUBLIC_URL) -> dict[str, str]:
    """The environment that points the SMS channel at a sandbox."""
    return {
        "RELAIS_SMS_ACCOUNT_SID": ACCOUNT_SID,
        "RELAIS_SMS_AUTH_TOKEN": AUTH_TOKEN,
        "RELAIS_SMS_FROM_NUMBER": FROM_NUMBER,
        "RELAIS_SMS_PUBLIC_URL": public_url,
        "RELAIS_SMS_API_URL": provider_url,
    }


@dataclass
class Sent:
    to: str
    sender: str
    body: str
    at: float


@dataclass
class SmsSandbox:
    """Records what the channel sends; a number in `unsubscribed` gets the provider's 21610."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    sent: list[Sent] = field(default_factory=list)
    unsubscribed: set[str] = field(default_factory=set)
    latency: float = 0.0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    def to(self, number: str) -> list[str]:
        """The bodies sent to `number`, in order."""
        with self._lock:
            return [s.body for s in self.sent if s.to == number]

    def count(self, number: str | None = None) -> int:
        with self._lock:
            return sum(1 for s in self.sent if number in (None, s.to))

    async def wait_for(self, count: int, number: str | None = None, timeout: float = 60) -> None:
        """Until `count` messages were sent (to `number`); TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while self.count(number) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.count(number)} of {count} SMS after {timeout} s")
            await asyncio.sleep(0.02)

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["sid"] != self.account_sid:
            return web.json_response({"code": 20404, "status": 404}, status=404)
        auth = aiohttp.BasicAuth.decode(request.headers.get("Authorization", ""))
        if (auth.login, auth.password) != (self.account_sid, self.auth_token):
            return web.json_response({"code": 20003, "status": 401}, status=401)
        form = await request.post()
        to, body = str(form["To"]), str(form["Body"])
        if self.latency:
            await asyncio.sleep(self.latency)
        if to in self.unsubscribed:
            return web.json_response(
                {"code": UNSUBSCRIBED_CODE, "message": "Attempt to send to unsubscribed recipient",
                 "status": 400},
                status=400,
            )  # fmt: skip
        with self._lock:
            self.sent.append(Sent(to, str(form["From"]), body, time.monotonic()))
        return web.json_response(
            {"sid": "SM" + uuid.uuid4().hex, "account_sid": self.account_sid, "to": to,
             "from": str(form["From"]), "body": body, "status": "queued", "num_segments": "1"},
            status=201,
        )  # fmt: skip

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.handle)
        return app

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a thread of its own; returns (and keeps in `url`) the base URL."""
        ready = threading.Event()
        bound: list[int] = []

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            runner = web.AppRunner(self.app(), access_log=None)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, host, port)
            loop.run_until_complete(site.start())
            bound.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="sms-sandbox", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the SMS sandbox did not start")
        self.url = f"http://{host}:{bound[0]}"
        return self.url

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)


class Phone:
    """A person texting the assistant: signs each webhook like the provider, reads replies."""

    def __init__(
        self, number: str, base_url: str, sandbox: SmsSandbox, public_url: str = PUBLIC_URL
    ) -> None:
        self.number, self.base_url, self.sandbox = number, base_url, sandbox
        self.public_url = public_url
        self.notices: list[str] = []  # the privacy notices `say` received before a reply

    def params(self, body: str, sid: str | None = None) -> dict[str, str]:
        return {
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "AccountSid": self.sandbox.account_sid,
            "From": self.number,
            "To": FROM_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }

    async def post(
        self,
        session: aiohttp.ClientSession,
        body: str,
        *,
        sid: str | None = None,
        signature: str | None = None,
    ) -> int:
        """Send one SMS to the webhook; the HTTP status."""
        params = self.params(body, sid)
        if signature is None:
            signature = sign(self.public_url + WEBHOOK_PATH, params, self.sandbox.auth_token)
        async with session.post(
            self.base_url + WEBHOOK_PATH, data=params, headers={"X-Twilio-Signature": signature}
        ) as response:
            await response.read()
            return response.status

    async def replies_after(
        self, count: int, timeout: float = 60.0, settle: float = 0.0
    ) -> list[str]:
        """The bodies sent to this phone after the first `count`, once at least one came."""
        await self.sandbox.wait_for(count + 1, self.number, timeout)
        if settle:
            await asyncio.sleep(settle)
        return self.sandbox.to(self.number)[count:]

    async def say(self, session: aiohttp.ClientSession, body: str, timeout: float = 60.0) -> str:
        """Send `body`, return the reply: the first new message that is not the privacy
        notice a new conversation gets first, as an SMS of its own (kept in `notices`)."""
        before = self.sandbox.count(self.number)
        status = await self.post(session, body)
        if status != 200:
            raise RuntimeError(f"the SMS webhook answered {status}")
        while True:
            replies = await self.replies_after(before, timeout)
            if replies[0] not in privacy_notices():
                return replies[0]
            self.notices.append(replies[0])
            before += 1


def privacy_notices() -> set[str]:
    """The privacy notice of a new SMS conversation, in each language."""
    return {t("privacy.notice.sms", language) for language in LANGUAGES}
