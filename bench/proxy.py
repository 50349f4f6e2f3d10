"""The public origin's price: what the web app's reverse proxy (bot/web/rasa_proxy.py) adds
to each turn.

Starts the real stack with the web app, then plays the same short conversations straight to
Rasa (127.0.0.1:<rasa>) and through the public origin (the web app's
`/webhooks/rest/webhook`), alternating turn by turn so that both see the same machine load.
Reports per-turn latency p50/p90 both ways and the added latency (p50/p90 of the paired
differences), plus the same on a no-op request (the SMS channel's health route) that prices
the proxy alone, without Rasa's variable work.

Target: added latency per turn p50 ≤ 5 ms.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from bot.ops.stack import Stack, StackOptions

TURNS = 120
NOOP_REQUESTS = 300
SCRIPT = ("bonjour", "j'ai besoin de nourriture pour ma famille", "Laval", "merci")
UNLIMITED = (
    ("RELAIS_LIMIT_MESSAGES_PER_MINUTE", "100000"),
    ("RELAIS_LIMIT_ADDRESS_MESSAGES_PER_MINUTE", "100000"),
)


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000, 2)


def _summary(direct: list[float], proxied: list[float]) -> dict[str, Any]:
    added = [p - d for d, p in zip(direct, proxied, strict=True)]
    return {
        "n": len(added),
        "direct_p50_ms": _ms(direct, 0.5),
        "direct_p90_ms": _ms(direct, 0.9),
        "proxied_p50_ms": _ms(proxied, 0.5),
        "proxied_p90_ms": _ms(proxied, 0.9),
        "added_p50_ms": _ms(added, 0.5),
        "added_p90_ms": _ms(added, 0.9),
    }


async def _timed(session: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> float:
    start = time.perf_counter()
    async with session.request(method, url, **kw) as response:
        await response.read()
        if response.status >= 400:
            raise RuntimeError(f"{method} {url} answered {response.status}")
    return time.perf_counter() - start


async def _measure(stack: Stack) -> dict[str, Any]:
    rest = "/webhooks/rest/webhook"
    direct: list[float] = []
    proxied: list[float] = []
    async with aiohttp.ClientSession() as session:
        for origin in (stack.rasa_url, stack.web_url):  # warm both paths
            await _timed(
                session, "POST", origin + rest, json={"sender": "warm", "message": "bonjour"}
            )
        turn = 0
        while turn < TURNS:
            senders = (f"bench-d-{uuid.uuid4().hex[:8]}", f"bench-p-{uuid.uuid4().hex[:8]}")
            for text in SCRIPT:
                for origin, who, into in (
                    (stack.rasa_url, senders[0], direct),
                    (stack.web_url, senders[1], proxied),
                ):
                    body = {"sender": who, "message": text}
                    into.append(await _timed(session, "POST", origin + rest, json=body))
                turn += 1
        noop_direct: list[float] = []
        noop_proxied: list[float] = []
        for _ in range(NOOP_REQUESTS):
            noop_direct.append(
                await _timed(session, "GET", stack.rasa_url + "/webhooks/twilio_sms/")
            )
            noop_proxied.append(
                await _timed(session, "GET", stack.web_url + "/webhooks/twilio_sms/")
            )
    return {
        "turn": _summary(direct, proxied),
        "noop_request": _summary(noop_direct, noop_proxied),
        "target_added_p50_ms": 5.0,
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-proxy-") as tmp:
        stack = Stack(Path(tmp), StackOptions(web=True, token="bench-proxy", env=UNLIMITED)).start()
        try:
            result = asyncio.run(_measure(stack))
        finally:
            stack.stop()
    result["meets_target"] = result["turn"]["added_p50_ms"] <= 5.0
    return result
