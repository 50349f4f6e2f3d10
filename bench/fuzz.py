"""Chat fuzzing: 10,000 generated hostile messages (`bot.ops.fuzz`: any Unicode, 10 kB, emoji,
HTML/JS, JSON-looking, slash commands with broken entities) through the REST and socket.io
channels of a real stack (action server, Rasa, web app). The figures: messages sent and
answered per channel, server errors (5xx, dropped connections, tracebacks in any process's
log, a slow action answered politely counted apart as a timeout: the target is 0),
and the throughput. `FUZZ_MESSAGES` changes the count.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from bot.ops import fuzz
from bot.ops.stack import Stack, StackOptions

COUNT = int(os.environ.get("FUZZ_MESSAGES", "10000"))
SOCKET_SHARE = 0.3
"""Part of the messages sent through socket.io (each waits for its answer: slower)."""


def run() -> dict:
    texts = fuzz.messages(COUNT, seed=211)
    split = int(len(texts) * (1 - SOCKET_SHARE))
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp), StackOptions(web=True)).start()
        try:
            started = time.perf_counter()
            rest = asyncio.run(fuzz.through_rest(stack.rasa_url, texts[:split]))
            rest_s = time.perf_counter() - started
            started = time.perf_counter()
            sio = asyncio.run(fuzz.through_socketio(stack.rasa_url, texts[split:]))
            sio_s = time.perf_counter() - started
            logged = {
                child.name: fuzz.log_errors(child.log_path.read_text(errors="replace"))
                for child in stack.supervisor.children
                if child.log_path and child.log_path.exists()
            }
            unhandled_kinds = {
                child.name: kinds
                for child in stack.supervisor.children
                if child.log_path
                and child.log_path.exists()
                and (kinds := fuzz.unhandled_kinds(child.log_path.read_text(errors="replace")))
            }
        finally:
            stack.stop()
    unhandled = sum(counts["unhandled"] for counts in logged.values())
    errors = int(rest["server_errors"]) + int(sio["server_errors"]) + unhandled  # type: ignore[call-overload]
    return {
        "messages": len(texts),
        "rest": {
            **rest,
            "seconds": round(rest_s, 1),
            "per_second": round(len(texts[:split]) / rest_s, 1),
        },
        "socketio": {**sio, "seconds": round(sio_s, 1)},
        "logged_errors": logged,
        "unhandled_kinds": unhandled_kinds,
        "server_errors": errors,
        "server_errors_target": 0,
    }


if __name__ == "__main__":
    print(run())
