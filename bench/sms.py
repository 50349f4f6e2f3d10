"""Benchmark of the SMS channel: webhook → reply-sent latency with 20 phones at once.

The real stack (`bot.ops.stack`: action server + Rasa with credentials.yml, so the SMS channel
as in production) and the SMS sandbox standing in for the provider, which timestamps each
message it is asked to send.
Each phone plays a short conversation, waiting for each reply like a person would; the
latency of a turn is from the signed webhook POST to the provider receiving the reply.
Run standalone: `python -m bench.sms` prints JSON.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bot.ops.sms_sandbox import Phone, SmsSandbox
from bot.ops.stack import Stack, StackOptions

PHONES = 20
CONVERSATION = ("Bonjour", "j'ai besoin de nourriture", "Laval", "1", "AIDE")
"""Greeting, a need, a place (search), a numbered choice, a keyword answered by the channel."""
SETTLE = 0.5
"""Seconds to wait after a reply's first SMS for the rest of it, so the next message's reply is
counted from after it (the latency is the first SMS's)."""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def _conversations(
    base_url: str, provider: SmsSandbox, phones: int
) -> tuple[dict[str, list[float]], list[str]]:
    import aiohttp

    latencies: dict[str, list[float]] = {body: [] for body in CONVERSATION}
    failures: list[str] = []
    results_shown: list[bool] = []

    async def person(index: int, session: aiohttp.ClientSession) -> None:
        phone = Phone(f"+1438555{index:04d}", base_url, provider)
        for body in CONVERSATION:
            before = provider.count(phone.number)
            started = time.monotonic()
            status = await phone.post(session, body)
            if status != 200:
                failures.append(f"{body}: HTTP {status}")
                return
            try:  # every SMS of the reply (a first one gets the privacy notice before it)
                bodies = await phone.replies_after(before, timeout=120, settle=SETTLE)
            except TimeoutError:
                failures.append(f"{body}: no reply")
                return
            reply = [s for s in provider.sent if s.to == phone.number][before]
            latencies[body].append(reply.at - started)
            if body == "Laval":  # services as short text, or the polite fallback?
                results_shown.append(any("km" in text for text in bodies))

    async with aiohttp.ClientSession() as session:
        await person(9999, session)  # warm-up (model caches, first search)
        latencies = {body: [] for body in CONVERSATION}
        failures.clear()
        results_shown.clear()
        await asyncio.gather(*(person(i, session) for i in range(phones)))
    if not all(results_shown):
        failures.append(f"Laval: no services shown in {results_shown.count(False)} replies")
    return latencies, failures


def run(phones: int = PHONES) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-sms-"))
    stack = Stack(tmp, StackOptions(sms=True))
    try:
        stack.start()
        assert stack.sms is not None
        started = time.monotonic()
        latencies, failures = asyncio.run(_conversations(stack.rasa_url, stack.sms, phones))
        wall = time.monotonic() - started
    finally:
        stack.stop()
    if not failures:
        shutil.rmtree(tmp, ignore_errors=True)
    every = [value for values in latencies.values() for value in values]
    return {
        "phones": phones,
        "turns": len(every),
        "conversation": list(CONVERSATION),
        "reply_p50_s": round(statistics.median(every), 3),
        "reply_p95_s": round(_percentile(every, 0.95), 3),
        "reply_max_s": round(max(every), 3),
        "per_turn_p95_s": {
            body: round(_percentile(values, 0.95), 3) for body, values in latencies.items()
        },
        "turns_per_s": round(len(every) / wall, 2),
        "wall_s": round(wall, 1),
        "failed_turns": failures,
        **({"logs": str(tmp / "log")} if failures else {}),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
