"""The Rasa hook: a failing or slow custom action answers politely instead of silence."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.actions.action import ActionExecutionRejection
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, FollowupAction, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime import patches as rasa_server
from bot.settings import DOMAIN_PATH


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(DOMAIN_PATH))


class Failing:
    def __init__(self, error: BaseException | None = None, delay: float = 0.0) -> None:
        self.error, self.delay = error, delay

    def name(self) -> str:
        return "action_search_services"

    async def run(self, output_channel, nlg, tracker, domain):
        await asyncio.sleep(self.delay)
        if self.error:
            raise self.error
        return []


def tracker_in(language: str, rasa_domain: Domain, loop: str | None = None) -> DialogueStateTracker:
    events = [SlotSet("language", language)]
    if loop:
        events.append(ActiveLoop(loop))
    return DialogueStateTracker.from_events("t", events, slots=rasa_domain.slots)


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", "problème technique"), ("en", "technical problem")]
)
async def test_failure_is_answered_in_the_person_language(rasa_domain, language, expected):
    nlg = TemplatedNaturalLanguageGenerator(rasa_domain.responses)
    guarded = rasa_server.GuardedAction(Failing(RuntimeError("down")), timeout=5)
    events = await guarded.run(
        CollectingOutputChannel(), nlg, tracker_in(language, rasa_domain), rasa_domain
    )
    assert isinstance(events[0], BotUttered) and expected in events[0].text
    assert "211" in events[0].text
    assert events[-1] == FollowupAction("action_listen")


async def test_slow_action_times_out_and_stops_the_form(rasa_domain):
    nlg = TemplatedNaturalLanguageGenerator(rasa_domain.responses)
    guarded = rasa_server.GuardedAction(Failing(delay=5), timeout=0.05)
    tracker = tracker_in("fr", rasa_domain, loop="referral_form")
    events = await guarded.run(CollectingOutputChannel(), nlg, tracker, rasa_domain)
    assert ActiveLoop(None) in events and SlotSet("requested_slot", None) in events


async def test_form_rejection_is_not_a_failure(rasa_domain):
    nlg = TemplatedNaturalLanguageGenerator(rasa_domain.responses)
    guarded = rasa_server.GuardedAction(Failing(ActionExecutionRejection("f")), timeout=5)
    with pytest.raises(ActionExecutionRejection):
        await guarded.run(
            CollectingOutputChannel(), nlg, tracker_in("fr", rasa_domain), rasa_domain
        )


def test_guard_proxies_the_action_and_installs_once():
    guarded = rasa_server.GuardedAction(Failing(), timeout=1)
    assert guarded.name() == "action_search_services"
    rasa_server.install()
    from rasa.core.processor import MessageProcessor

    first = MessageProcessor._run_action
    rasa_server.install()
    assert MessageProcessor._run_action is first and rasa_server.installed()
