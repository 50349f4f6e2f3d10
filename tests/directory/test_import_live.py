"""A committed import is served by the RUNNING processes without a restart (issue 15): the
web app's search API and the action server's results show a renamed service within a
minute (`RELAIS_DIRECTORY_CHECK_SECONDS`, 15 s by default, plus one index build).

The shared full stack; the import is the real CLI in its own process, as an operator runs it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.ops.stack import Stack
from bot.settings import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEARCH = {"need": "food", "place": "Laval", "lang": "fr", "limit": "50"}


def relais(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RELAIS_DATABASE_URL": stack.database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "directory", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


async def search_names(session: aiohttp.ClientSession, stack: Stack) -> dict[str, str]:
    async with session.get(f"{stack.web_url}/api/v1/services", params=SEARCH) as response:
        assert response.status == 200, await response.text()
        body = await response.json()
    return {hit["service_id"]: hit["name"] for hit in body["hits"]}


async def bot_results(stack: Stack) -> str:
    """Everything the bot answers to "food in Laval" in a new REST conversation."""
    async with stack.client() as rasa:
        sender = f"live-{uuid.uuid4().hex[:8]}"
        await rasa.send(sender, "/need_food")
        return json.dumps(await rasa.send(sender, "Laval"), ensure_ascii=False)


async def eventually(check: Any, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(1)


async def test_running_stack_serves_a_new_import(stack: Stack, tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as session:
        before = await search_names(session, stack)
        assert before, "the demo directory has food services in Laval"
        answer = await bot_results(stack)
        service_id = next((sid for sid, name in before.items() if name in answer), None)
        assert service_id is not None, answer  # one the bot shows too

        exported = relais(stack, "export", str(tmp_path / "out"))
        assert exported.returncode == 0, exported.stderr
        services = json.loads((tmp_path / "out" / "json" / "services.json").read_text("utf-8"))
        service = next(s for s in services if s["id"] == service_id)
        new_name = f"Comptoir Canari {uuid.uuid4().hex[:6]}"
        service["name"] = new_name
        (tmp_path / "services.json").write_text(json.dumps([service]), encoding="utf-8")
        imported = relais(stack, "import", str(tmp_path / "services.json"))
        assert imported.returncode == 0, imported.stdout + imported.stderr

        async def web_sees_it() -> bool:
            return (await search_names(session, stack)).get(service_id) == new_name

        async def bot_sees_it() -> bool:
            return new_name in await bot_results(stack)

        await eventually(web_sees_it, 90, "the web API still serves the old directory")
        await eventually(bot_sees_it, 90, "the action server still serves the old directory")
