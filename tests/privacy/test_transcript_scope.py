"""What a counsellor sees of a person, on the real stack: the conversation since its last
restart, never what came before (a phone's whole history); and each opening of a
transcript is in the register of accesses (who, when), for the incident register."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import create_engine

from bot.ops.stack import Counsellor, Stack
from bot.privacy import register
from tests.privacy.privacy_support import escalations, eventually
from tests.stacks import COUNSELLOR

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def signed_in(stack: Stack, who: Counsellor) -> aiohttp.ClientSession:
    """A console session of `who` (the login form, its CSRF token and cookies)."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(f"{stack.web_url}/console/login") as page:
        csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)
    form = {"email": who.email, "password": who.password, "csrf": csrf}
    async with session.post(f"{stack.web_url}/console/login", data=form) as answer:
        assert answer.status == 200, await answer.text()  # followed to the console
    return session


@pytest.fixture
async def julie(privacy_stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    session = await signed_in(privacy_stack, COUNSELLOR)
    yield session
    await session.close()


def accesses_to(stack: Stack, target: str) -> list[dict]:
    engine = create_engine(stack.database_url, future=True)
    try:
        with engine.connect() as conn:
            rows = register.accesses(conn, since=time.time() - 3600)
    finally:
        engine.dispose()
    return [row for row in rows if row["target"] == target]


async def test_the_transcript_starts_at_the_last_restart_and_each_view_is_recorded(
    privacy_stack: Stack, julie: aiohttp.ClientSession
) -> None:
    stack = privacy_stack
    sender_id = uuid.uuid4().hex
    before, after = f"avant{uuid.uuid4().hex[:8]}", f"apres{uuid.uuid4().hex[:8]}"
    async with stack.client() as rasa:
        await rasa.send(sender_id, f"j'ai besoin de nourriture {before}")
        await rasa.send(sender_id, "/restart")
        await rasa.send(sender_id, f"je cherche un logement {after}")
        await rasa.send(sender_id, "/ask_human")
        await rasa.send(sender_id, "/affirm")
    (item,) = eventually(lambda: escalations(stack, sender_id), "the handoff was stored")
    assert accesses_to(stack, item["id"]) == []

    url = f"{stack.web_url}/console/api/escalations/{item['id']}"
    for opened in (1, 2):
        async with julie.get(url) as answer:
            assert answer.status == 200, await answer.text()
            detail = await answer.json()
        said = " ".join(line["text"] for line in detail["transcript"])
        assert after in said
        assert before not in said  # before the restart: not this conversation
        rows = accesses_to(stack, item["id"])
        assert [(r["actor"], r["action"]) for r in rows] == [
            (COUNSELLOR.email, register.VIEW_TRANSCRIPT)
        ] * opened
        assert all(abs(r["at"] - time.time()) < 600 for r in rows)
