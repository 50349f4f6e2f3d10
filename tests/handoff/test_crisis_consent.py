"""One consent in a crisis, through the real Rasa and action server (the shared full stack):
a person in crisis who answers yes to "talk to a counsellor now?" is queued at once, urgent,
first in line, without the second "is that OK?" question — in French and in English."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.handoff.queue import waiting_queue
from bot.handoff.store import HandoffStore, create_handoff_engine
from bot.ops.stack import Stack
from bot.texts import t
from tests.people import SocketPerson as Person

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CRISIS = {"fr": ("je veux mourir, je n'en peux plus", "oui"),
          "en": ("I want to kill myself, I can't go on", "yes")}  # fmt: skip


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[HandoffStore]:
    engine = create_handoff_engine(stack.database_url)
    yield HandoffStore(engine, secret=stack.options.secret_key)
    await engine.dispose()


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_yes_in_a_crisis_queues_at_once_urgent(
    stack: Stack, person: Person, store: HandoffStore, language: str
) -> None:
    words, yes = CRISIS[language]
    offer = t("dialogue.utter.offer_counsellor", language).split("?")[0]
    await person.say(words)
    await person.expect("1-866-APPELLE")
    await person.expect(offer)
    await person.say(yes)
    first = t("handoff.person.queued_crisis", language).split(".")[0]
    await person.expect(first)
    consent = t("handoff.person.consent", language).split(".")[0]
    assert person.count(consent) == 0, [m.get("text") for m in person.received]
    item = await store.open_escalation_for(person.session_id)
    try:
        assert item is not None
        assert (item["crisis"], item["reason"], item["language"]) == ("suicide", "crisis", language)
        line = await waiting_queue(store)
        ahead = line[: [i["id"] for i in line].index(item["id"])]
        assert all(i["crisis"] for i in ahead)  # ahead of every request but older crises
    finally:
        if item is not None:
            await store.close(item["id"], "no_answer")
