"""The assistant under load: full-turn latency over REST, memory, and a `rasa init` baseline.

Starts the real stack (action server, Rasa with the Relais hook, web app) on free ports with
the demo directory in a temporary SQLite database, then plays short conversations (greeting,
need, place → 3 cards) at 1, 10 and 50 concurrent conversations. The same load runs against
a plain `rasa init` bot trained in a temporary folder, for a messages/s ratio. Finally the
Relais stack is measured once more with Rasa's in-memory tracker store, to price the SQL
tracker store that keeps conversations across restarts.

Targets: single conversation p50 ≤ 60 ms, p95 ≤ 150 ms; throughput ≥ 0.8× `rasa init`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.memory import rss_of_pid_mb
from bot.ops import runner
from bot.ops.rasa_client import RasaClient
from bot.ops.stack import Stack, StackOptions, free_port

CONCURRENCY = (1, 10, 50)
TURNS_PER_LEVEL = {1: 60, 10: 200, 50: 400}
RELAIS_SCRIPT = ("bonjour", "j'ai besoin de nourriture pour ma famille", "Laval", "merci")
BASELINE_SCRIPT = ("hello", "I am sad", "yes", "bye")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index] * 1000, 1)


async def _load(url: str, token: str, script: tuple[str, ...], conversations: int, turns: int):
    """`conversations` concurrent senders replaying `script` until `turns` messages are sent."""
    latencies: list[float] = []
    remaining = [turns]

    async def one(rasa: RasaClient) -> None:
        while remaining[0] > 0:
            sender = f"bench-{uuid.uuid4().hex[:10]}"
            for text in script:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
                start = time.perf_counter()
                await rasa.send(sender, text)
                latencies.append(time.perf_counter() - start)

    async with RasaClient(url, token, timeout=120) as rasa:
        await rasa.send("bench-warmup", script[0])
        started = time.perf_counter()
        await asyncio.gather(*(one(rasa) for _ in range(conversations)))
        elapsed = time.perf_counter() - started
    return {
        "messages": len(latencies),
        "p50_ms": _percentile(latencies, 0.5),
        "p95_ms": _percentile(latencies, 0.95),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "messages_per_s": round(len(latencies) / elapsed, 1),
    }


def _levels(url: str, token: str, script: tuple[str, ...]) -> dict[str, Any]:
    levels = {}
    for level in CONCURRENCY:
        levels[f"c{level}"] = asyncio.run(_load(url, token, script, level, TURNS_PER_LEVEL[level]))
        print(f"  {url} c{level}: {levels[f'c{level}']}", file=sys.stderr, flush=True)
    return levels


def _start_relais(tmp: Path, model: Path, endpoints: Path | None = None) -> tuple[Stack, str]:
    """The assistant as `relais run` starts it (optionally Rasa with other endpoints)."""
    stack = Stack(tmp, StackOptions(token="bench"), model=model)
    if endpoints is not None:
        rasa = stack.child("rasa")
        rasa.argv[rasa.argv.index("--endpoints") + 1] = str(endpoints)
    stack.start()
    return stack, stack.rasa_url


def _rss(stack: Stack) -> dict[str, float | None]:
    return {
        child.name: rss_of_pid_mb(child.process.pid) if child.process else None
        for child in stack.supervisor.children
    }


def _baseline(tmp: Path) -> dict[str, Any]:
    """A `rasa init` bot, trained and served the same way (no hook, no action server)."""
    project = tmp / "rasa-init"
    project.mkdir()
    env = {**os.environ, **runner.QUIET_ENV}
    rasa = [sys.executable, "-m", "rasa"]
    subprocess.run([*rasa, "init", "--no-prompt"], cwd=project, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    port = free_port()
    child = runner.Child(
        "rasa-init",
        [*rasa, "run", "--enable-api", "--auth-token", "bench", "--port", str(port),
         "--interface", "127.0.0.1", "--model", str(project / "models")],
        f"http://127.0.0.1:{port}/status?token=bench",
    )  # fmt: skip
    child.argv = ["bash", "-c", f"cd {project} && exec " + " ".join(child.argv)]
    child.start(tmp / "log")
    try:
        if not runner.wait_healthy(child, threading.Event()):
            raise RuntimeError("the rasa init bot did not start")
        levels = _levels(f"http://127.0.0.1:{port}", "bench", BASELINE_SCRIPT)
        return {"levels": levels, "rss_mb": rss_of_pid_mb(child.process.pid)}
    finally:
        child.stop()


def _memory_endpoints(tmp: Path) -> Path:
    """endpoints.yml without the SQL tracker store (Rasa's in-memory default)."""
    path = tmp / "endpoints-memory.yml"
    path.write_text("action_endpoint:\n  url: ${RELAIS_ACTION_SERVER_URL}\n", encoding="utf-8")
    return path


def run() -> dict[str, Any]:
    override = os.environ.get("RELAIS_BENCH_MODEL")
    model = Path(override) if override else runner.ensure_model()
    result: dict[str, Any] = {"model": model.name}
    tmp = Path(tempfile.mkdtemp(prefix="relais-bench-"))
    try:
        stack, url = _start_relais(tmp / "sql", model)
        try:
            result["relais_sql_tracker"] = _levels(url, "bench", RELAIS_SCRIPT)
            result["rss_mb"] = _rss(stack)
        finally:
            stack.stop()
        stack, url = _start_relais(tmp / "memory", model, _memory_endpoints(tmp))
        try:
            result["relais_memory_tracker"] = _levels(url, "bench", RELAIS_SCRIPT)
        finally:
            stack.stop()
        result["rasa_init"] = _baseline(tmp)
        relais = result["relais_sql_tracker"]
        result["throughput_ratio_vs_rasa_init"] = {
            level: round(relais[level]["messages_per_s"] / base["messages_per_s"], 2)
            for level, base in result["rasa_init"]["levels"].items()
        }
        single = relais["c1"]
        result["targets"] = {
            "single_p50_le_60ms": single["p50_ms"] <= 60,
            "single_p95_le_150ms": single["p95_ms"] <= 150,
            "throughput_ge_0.8x_rasa_init": result["throughput_ratio_vs_rasa_init"]["c10"] >= 0.8,
        }
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, ensure_ascii=False))
