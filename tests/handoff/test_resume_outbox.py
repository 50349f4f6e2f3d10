"""No conversation paused forever (issue 15): a hand-back while Rasa is down closes the
escalation and keeps the resume in the outbox; once Rasa is back, the web app's relay
delivers it and the person has the bot again. Real processes (the shared full stack), Rasa
killed with SIGKILL in the middle of the hand-back.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.handoff.store import CLOSED, PENDING, RESUME_KEY, SENT, HandoffStore, create_handoff_engine
from bot.ops.stack import Stack
from tests.people import SocketPerson
from tests.stacks import COUNSELLOR

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[HandoffStore]:
    engine = create_handoff_engine(stack.database_url)
    yield HandoffStore(engine)
    await engine.dispose()


async def console_session(stack: Stack) -> tuple[aiohttp.ClientSession, str]:
    """A signed-in console (cookies kept for 127.0.0.1); returns it and its CSRF token."""
    client = aiohttp.ClientSession(
        base_url=stack.web_url, cookie_jar=aiohttp.CookieJar(unsafe=True)
    )
    async with client.get("/console/login") as page:
        token = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)  # type: ignore[union-attr]
    form = {"email": COUNSELLOR.email, "password": COUNSELLOR.password, "csrf": token}
    async with client.post("/console/login", data=form, allow_redirects=False) as response:
        assert response.status == 303
    async with client.get("/console/") as console:
        html = await console.text()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    return client, csrf


async def wait_for(check: Any, timeout: float, what: str) -> Any:
    """Poll the coroutine function `check` until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await check()
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.2)


async def test_hand_back_while_rasa_is_killed(
    stack: Stack, person: SocketPerson, store: HandoffStore
) -> None:
    await person.say("/ask_human")
    await person.expect("Êtes-vous d'accord")
    await person.say("/affirm")
    await person.expect("dans la file")
    item = await store.open_escalation_for(person.session_id)
    assert item is not None
    client, csrf = await console_session(stack)
    headers = {"X-CSRF-Token": csrf}
    one = f"/console/api/escalations/{item['id']}"
    try:
        async with client.post(f"{one}/claim", headers=headers) as response:
            assert response.status == 200, await response.text()
        await person.expect("se joint")
        await person.client.disconnect()

        rasa = stack.child("rasa")
        assert rasa.process is not None
        rasa.process.kill()  # no goodbye: SIGKILL in the middle of the handoff
        rasa.process.wait(30)
        async with client.post(f"{one}/handback", headers=headers) as response:
            assert response.status == 200, await response.text()
        closed = await store.escalation(item["id"])
        assert closed is not None and closed["status"] == CLOSED
        resumes = [
            m for m in await store.messages(item["id"]) if m["dedupe_key"].startswith(RESUME_KEY)
        ]
        assert [m["status"] for m in resumes] == [PENDING]  # kept while Rasa is down
    finally:
        await client.close()

    stack.restart("rasa")

    async def delivered() -> bool:
        rows = await store.messages(item["id"])
        return any(m["id"] == resumes[0]["id"] and m["status"] == SENT for m in rows)

    await wait_for(delivered, 120, "the resume was never delivered after Rasa came back")
    async with aiohttp.ClientSession() as session:
        url = f"{stack.rasa_url}/conversations/{person.session_id}/tracker"
        async with session.get(url, params={"token": stack.token}) as response:
            tracker = await response.json()
    assert not tracker["paused"]
    ids = [(e.get("metadata") or {}).get("message_id") for e in tracker["events"]]
    assert ids.count(resumes[0]["id"]) == 1  # delivered once

    again = SocketPerson(stack.rasa_url)
    again.session_id = person.session_id
    await again.connect()
    try:
        await again.say("Bonjour")
        await again.expect("211")  # the bot answers again
    finally:
        await again.client.disconnect()
