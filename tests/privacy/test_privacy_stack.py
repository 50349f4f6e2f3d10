"""Law 25 end to end, through the real processes of a stack of its own (its purge must not
disturb the shared one): a person writes identifiers over REST (with a shared location),
socket.io and SMS, is handed to a counsellor, leaves a callback number; `relais privacy
export` returns all of it; after `relais privacy forget`, and again after `relais privacy
purge --older-than 0`, no file the stack wrote (databases, their WAL, logs) holds any of it,
and on PostgreSQL (the application's tables and Rasa's tracker store in one database) no
row of any table either."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid

import aiohttp
import pytest
from sqlalchemy import create_engine, select

from bot.handoff.store import message
from bot.ops.sms_sandbox import Phone
from bot.ops.stack import Stack
from bot.settings import ROOT
from tests.privacy import canaries
from tests.privacy.privacy_support import leaking, tracker_words

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), "sqlite"]
)  # PostgreSQL first: its stack stops when its test ends, before the SQLite one starts
def any_privacy_stack(request: pytest.FixtureRequest) -> Stack:
    """The privacy stack on SQLite files, or on a PostgreSQL database of its own."""
    name = "postgres_privacy_stack" if request.param == "postgres" else "privacy_stack"
    return request.getfixturevalue(name)


def relais(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    """`relais …` on the stack's stores, as an operator would run it on the server."""
    env = {
        **os.environ,
        **stack.env,
        "RELAIS_DATABASE_URL": stack.database_url,
        "RELAIS_TRACKER_URL": stack.tracker_url,
        "RELAIS_RASA_URL": stack.rasa_url,
        "RELAIS_RASA_TOKEN": stack.token,
        "RELAIS_LOG_DIR": str(stack.folder / "log"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def add_callback(stack: Stack, sender_id: str) -> None:
    """A callback request, stored by the function the assistant's action calls."""
    code = (
        "import asyncio, os\n"
        "from bot.handoff.escalation import request_callback\n"
        "from bot.handoff.store import HandoffStore, create_handoff_engine\n"
        "async def main():\n"
        "    engine = create_handoff_engine(os.environ['RELAIS_DATABASE_URL'])\n"
        "    try:\n"
        f"        await request_callback(sender_id={sender_id!r}, phone={canaries.PHONE_E164!r},"
        " contact='phone', language='fr', best_time='après 17 h', need='housing',"
        " store=HandoffStore(engine))\n"
        "    finally:\n"
        "        await engine.dispose()\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, **stack.env, "RELAIS_DATABASE_URL": stack.database_url}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
        check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


async def write_everywhere(stack: Stack) -> tuple[str, str]:
    """The canaries over REST (with a location and a handoff), socket.io and SMS, and a
    callback; returns the REST and socket.io conversation ids."""
    from tests.people import SocketPerson

    rest_id = uuid.uuid4().hex
    async with stack.client() as rasa:
        await rasa.send(rest_id, "Bonjour")
        await rasa.send(
            rest_id,
            "J'ai besoin d'aide alimentaire ici",
            {"location": {"lat": canaries.LATITUDE, "lon": canaries.LONGITUDE}},
        )
        await rasa.send(rest_id, "/ask_human")
        await rasa.send(rest_id, "/affirm")
        await rasa.send(rest_id, canaries.SAID)  # to the counsellor: the handoff stores it
    engine = create_engine(stack.database_url, future=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            with engine.connect() as conn:
                texts = list(conn.execute(select(message.c.text)).scalars())
            if any(canaries.EMAIL in text for text in texts):
                break
            assert time.monotonic() < deadline, f"the handoff never stored the message: {texts}"
            await asyncio.sleep(0.2)
    finally:
        engine.dispose()

    person = SocketPerson(stack.rasa_url)
    await person.connect()
    try:
        await person.say("Bonjour")
        await person.expect("211")
        await person.say(canaries.SAID)
        await asyncio.sleep(1)
        await person.expect("211")
    finally:
        await person.client.disconnect()

    assert stack.sms is not None
    phone = Phone(canaries.PHONE_E164, stack.rasa_url, stack.sms)
    async with aiohttp.ClientSession() as session:
        await phone.say(session, "Bonjour")
        await phone.say(session, canaries.SAID)
    [notice] = phone.notices  # the notice, before the first reply
    assert "30 jours" in notice and "EFFACER" in notice

    add_callback(stack, rest_id)
    return rest_id, person.session_id


def subject_args(rest_id: str, socket_id: str) -> list[str]:
    return ["--conversation", rest_id, "--conversation", socket_id, "--phone", canaries.PHONE]


async def test_export_then_forget_then_purge_leave_nothing(any_privacy_stack: Stack) -> None:
    stack = any_privacy_stack
    assert leaking(stack) == {}, "a canary is in the stack before anyone wrote it"

    rest_id, socket_id = await write_everywhere(stack)
    assert leaking(stack), "the canaries should be stored somewhere by now"
    assert tracker_words(stack, rest_id), "Rasa's tracker store is not where the stack says"
    for name in ("actions.log", "rasa.log", "web.log"):
        log = stack.folder / "log" / name
        assert canaries.found_in(log.read_bytes()) == [], f"{name} logged a canary"

    exported = json.loads(
        relais(stack, "privacy", "export", *subject_args(rest_id, socket_id)).stdout
    )
    text = json.dumps(exported, ensure_ascii=False)
    for value in (
        canaries.EMAIL,
        canaries.SIN,
        canaries.PHONE,
        canaries.POSTAL,
        canaries.PHONE_E164,
    ):
        assert value in text, value
    ids = {c["id"] for c in exported["conversations"]}
    assert {rest_id, socket_id} <= ids and any(i.startswith("sms-") for i in ids)
    assert exported["handoff"] and exported["handoff"][0]["messages"]
    assert [c["phone"] for c in exported["callbacks"]] == [canaries.PHONE_E164]
    assert exported["sms"][0]["number"] == canaries.PHONE_E164
    assert '"lat": 45.48713' in json.dumps(exported)

    report = relais(stack, "privacy", "forget", *subject_args(rest_id, socket_id)).stdout
    assert "Conversations (Rasa)" in report and "Demandes de rappel : 1 demandes" in report
    assert leaking(stack) == {}
    assert tracker_words(stack, rest_id) == 0

    # nothing served from the Rasa process's memory either
    async with aiohttp.ClientSession() as session:
        url = f"{stack.web_url}/widget/api/conversations/{rest_id}"
        async with session.get(url) as answer:
            assert canaries.EMAIL not in await answer.text()

    await write_everywhere(stack)
    assert leaking(stack)
    relais(stack, "privacy", "purge", "--older-than", "0")
    assert leaking(stack) == {}
