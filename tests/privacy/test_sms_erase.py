"""EFFACER / DELETE by SMS, end to end: a phone of the SMS sandbox (signed webhooks) texts the
real stack; the keyword asks for a confirmation; OUI / YES erases the phone's conversation in
every store (Rasa's tracker, the SMS state, byte for byte in every file), any other answer
keeps everything and says so."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import create_engine, func, select

from bot.channels.sms_privacy import sender_id_for
from bot.channels.sms_store import sms_contact
from bot.ops.sms_sandbox import Phone
from bot.ops.stack import Stack
from bot.texts import t
from tests.privacy.privacy_support import files_holding, tracker_events

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def new_phone(stack: Stack) -> Phone:
    """A number no other test uses (never a canary of tests/privacy/canaries.py)."""
    assert stack.sms is not None
    return Phone(f"+1438555{uuid.uuid4().int % 10_000:04d}", stack.rasa_url, stack.sms)


def sms_rows(stack: Stack, sender_id: str) -> int:
    engine = create_engine(stack.database_url, future=True)
    try:
        with engine.connect() as conn:
            query = select(func.count()).where(sms_contact.c.sender_id == sender_id)
            return int(conn.execute(query).scalar() or 0)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("language", "keyword", "yes", "greeting", "need"),
    [
        ("fr", "EFFACER", "OUI", "Bonjour", "j'ai besoin de nourriture à Laval"),
        ("en", "DELETE", "yes", "Hello", "I need food in Laval"),
    ],
)
async def test_keyword_then_yes_erases_everything(
    privacy_stack: Stack,
    session: aiohttp.ClientSession,
    language: str,
    keyword: str,
    yes: str,
    greeting: str,
    need: str,
) -> None:
    stack = privacy_stack
    phone = new_phone(stack)
    sender_id = sender_id_for(phone.number, stack.options.secret_key)
    marker = f"sms{uuid.uuid4().hex[:10]}"
    await phone.say(session, greeting)
    assert phone.notices == [t("privacy.notice.sms", language)]  # an SMS of its own, first
    await phone.say(session, f"{need} {marker}")
    assert tracker_events(stack, sender_id) > 0 and sms_rows(stack, sender_id) == 1
    assert files_holding(stack.folder, marker)

    assert await phone.say(session, keyword) == t("privacy.sms.confirm_ask", language)
    assert await phone.say(session, yes) == t("privacy.sms.erased", language)

    assert tracker_events(stack, sender_id) == 0
    assert sms_rows(stack, sender_id) == 0
    assert files_holding(stack.folder, marker) == []  # databases, their WAL, logs
    # a new conversation starts, with the notice again
    await phone.say(session, greeting)
    assert phone.notices == [t("privacy.notice.sms", language)] * 2


async def test_any_other_answer_keeps_everything(
    privacy_stack: Stack, session: aiohttp.ClientSession
) -> None:
    stack = privacy_stack
    phone = new_phone(stack)
    sender_id = sender_id_for(phone.number, stack.options.secret_key)
    await phone.say(session, "Hello")
    await phone.say(session, "I need food in Laval")
    events = tracker_events(stack, sender_id)
    assert await phone.say(session, "DELETE") == t("privacy.sms.confirm_ask", "en")
    assert await phone.say(session, "no") == t("privacy.sms.kept", "en")
    assert tracker_events(stack, sender_id) >= events > 0
    assert sms_rows(stack, sender_id) == 1
    # "no" was the answer to the question, not a new message for the assistant; what
    # follows is the conversation again (a numbered option is not taken for a "yes")
    reply = await phone.say(session, "I need food in Laval")
    assert reply not in (t("privacy.sms.erased", "en"), t("privacy.sms.confirm_ask", "en"))
    assert tracker_events(stack, sender_id) > events
