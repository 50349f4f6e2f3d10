"""The real stack for SMS end-to-end tests and `bench/sms.py`: action server + Rasa (with
`bot/credentials.yml`, hence this channel) + a fake provider REST API in its own thread.

Imported as `sms_stack` by the tests and as `tests.channels.sms_stack` by the benchmark.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "e2e-auth-token"
FROM_NUMBER = "+15145550000"
PUBLIC_URL = "https://sms.example.org"
WEBHOOK_PATH = "/webhooks/twilio_sms/webhook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def model_or_reason() -> tuple[Path | None, str]:
    """The trained model (`RELAIS_TEST_MODEL`, or the NLU area's cached one), or why not.

    Never trains: a training takes many minutes on 2 cores. The assistant's end-to-end
    tests (tests/assistant, run first) train and cache it when it is missing.
    """
    if os.environ.get("RELAIS_TEST_MODEL"):
        return Path(os.environ["RELAIS_TEST_MODEL"]), ""
    try:
        from bot.assistant import training
    except ImportError:
        return None, "no trained model: bot.assistant.training is missing, RELAIS_TEST_MODEL unset"
    path = Path(training.model_path(False))
    if not path.exists():
        return None, (
            f"no trained model {path.name} yet (train with `relais train`, or run "
            "tests/assistant first, or set RELAIS_TEST_MODEL)"
        )
    return path, ""


@dataclass
class Record:
    to: str
    body: str
    at: float


@dataclass
class ProviderThread:
    """The provider's REST API (`/2010-04-01/Accounts/{sid}/Messages.json`) in a thread."""

    port: int = field(default_factory=free_port)
    sent: list[Record] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to(self, number: str) -> list[Record]:
        with self._lock:
            return [r for r in self.sent if r.to == number]

    async def _handle(self, request: web.Request) -> web.Response:
        auth = aiohttp.BasicAuth.decode(request.headers.get("Authorization", ""))
        if request.match_info["sid"] != ACCOUNT_SID or auth.password != AUTH_TOKEN:
            return web.json_response({"code": 20003, "status": 401}, status=401)
        form = await request.post()
        record = Record(to=str(form["To"]), body=str(form["Body"]), at=time.monotonic())
        with self._lock:
            self.sent.append(record)
        return web.json_response(
            {"sid": "SM" + uuid.uuid4().hex, "to": record.to, "body": record.body,
             "status": "queued"},
            status=201,
        )  # fmt: skip

    def start(self) -> None:
        ready = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._handle)
            runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-sms-provider", daemon=True)
        self._thread.start()
        ready.wait(10)

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)


def sms_env(provider_url: str, public_url: str = PUBLIC_URL) -> dict[str, str]:
    return {
        "RELAIS_SMS_ACCOUNT_SID": ACCOUNT_SID,
        "RELAIS_SMS_AUTH_TOKEN": AUTH_TOKEN,
        "RELAIS_SMS_FROM_NUMBER": FROM_NUMBER,
        "RELAIS_SMS_PUBLIC_URL": public_url,
        "RELAIS_SMS_API_URL": provider_url,
        "RELAIS_SECRET_KEY": "e2e-secret-key",
    }


class Stack:
    """Action server + Rasa as `relais run` starts them (bot.assistant.runner)."""

    def __init__(
        self, tmp: Path, model: Path, provider: ProviderThread, action_timeout: float | None = None
    ) -> None:
        from bot.assistant import runner
        from bot.settings import get_settings

        self.runner = runner
        database_url = f"sqlite:///{tmp / 'relais.db'}"
        runner.ensure_directory(database_url, lambda *a, **k: None)
        settings = replace(get_settings(), database_url=database_url, rasa_token="sms-token")
        ports = runner.Ports(web=free_port(), rasa=free_port(), actions=free_port())
        children = runner.build_children(
            settings, model, ports, tracker_db=tmp / "tracker.db", with_web=False
        )
        for child in children:
            child.env.update(sms_env(provider.url))
            if action_timeout is not None:  # a cold search (model loading) on a busy machine
                child.env["RELAIS_ACTION_TIMEOUT"] = str(action_timeout)
        self.children = children
        self.supervisor = runner.Supervisor(children, lambda *a, **k: None, log_dir=tmp / "log")
        self.base_url = f"http://127.0.0.1:{ports.rasa}"
        self.database_url = database_url

    def search_problem(self) -> str:
        """Why `bot.search.search` cannot answer for Laval on this stack's directory ("" if
        it can), checked in a child process with the stack's database."""
        import subprocess
        import sys

        probe = "from bot.search import search; search('food', place='65005', language='fr')"
        done = subprocess.run(
            [sys.executable, "-c", probe],
            env={**os.environ, "RELAIS_DATABASE_URL": self.database_url},
            capture_output=True,
            text=True,
            timeout=300,
        )
        return "" if done.returncode == 0 else (done.stderr.strip().splitlines() or ["?"])[-1]

    def start(self) -> str:
        """Empty string when started, else the children's logs."""
        if self.supervisor.start_all():
            return ""
        return "\n".join(
            f"{c.name}: {c.log_path.read_text()[-3000:]}" for c in self.children if c.log_path
        )

    def stop(self) -> None:
        self.supervisor.stop_all()


class Phone:
    """A person texting: signs each webhook like the provider and waits for the reply."""

    def __init__(self, number: str, base_url: str, provider: ProviderThread) -> None:
        self.number, self.base_url, self.provider = number, base_url, provider

    def params(self, body: str, sid: str | None = None) -> dict[str, str]:
        return {
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "AccountSid": ACCOUNT_SID,
            "From": self.number,
            "To": FROM_NUMBER,
            "Body": body,
            "NumMedia": "0",
            "FromCity": "",
        }

    async def post(
        self, session: aiohttp.ClientSession, body: str, *, sid: str | None = None,
        signature: str | None = None,
    ) -> int:  # fmt: skip
        params = self.params(body, sid)
        if signature is None:
            signature = RequestValidator(AUTH_TOKEN).compute_signature(
                PUBLIC_URL + WEBHOOK_PATH, params
            )
        async with session.post(
            self.base_url + WEBHOOK_PATH, data=params, headers={"X-Twilio-Signature": signature}
        ) as response:
            await response.read()
            return response.status

    async def replies_after(
        self, count: int, timeout: float = 60.0, settle: float = 0.0
    ) -> list[str]:
        """The bodies sent to this phone after the first `count`, once at least one came."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            records = self.provider.to(self.number)
            if len(records) > count:
                if settle:
                    await asyncio.sleep(settle)
                return [r.body for r in self.provider.to(self.number)[count:]]
            await asyncio.sleep(0.02)
        raise TimeoutError(f"no reply within {timeout}s")

    async def say(self, session: aiohttp.ClientSession, body: str, timeout: float = 60.0) -> str:
        """Send `body`, return the reply (the first new message)."""
        before = len(self.provider.to(self.number))
        status = await self.post(session, body)
        assert status == 200, status
        return (await self.replies_after(before, timeout))[0]
