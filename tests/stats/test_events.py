"""Rasa events → anonymous facts (bot.stats.events), as the broker receives them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.stats.events import TZ, Conversation, keyed

NOON = dt.datetime(2026, 11, 30, 12, 5, tzinfo=TZ).timestamp()


def user(intent: str, text: str = "un message", channel: str = "rest") -> dict[str, Any]:
    return {"event": "user", "timestamp": NOON, "text": text, "input_channel": channel,
            "parse_data": {"intent": {"name": intent}, "text": text}}  # fmt: skip


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value, "timestamp": NOON}


def results(need: str, widening: str | None = None) -> dict[str, Any]:
    custom = {"type": "service_results", "need": need, "page": 1, "widening": widening,
              "cards": [{"name": "Moisson"}]}  # fmt: skip
    return {"event": "bot", "text": None, "data": {"custom": custom}, "metadata": {}}


def utter(name: str) -> dict[str, Any]:
    return {"event": "bot", "text": "du texte", "data": {}, "metadata": {"utter_action": name}}


VERDUN = {"code_geo": "66023", "name": "Montréal", "borough": "Verdun", "in_territory": True,
          "lat": 45.45, "lon": -73.57, "postal_code": "H4G 1A1"}  # fmt: skip


def test_a_search_gives_need_place_channel_hour_and_no_text() -> None:
    talk = Conversation.start("secret", "conversation-1", NOON)
    for event in (user("need_food", "j'ai faim", "twilio_sms"), slot("need", "food"),
                  slot("language", "fr"), slot("place", VERDUN), results("food")):  # fmt: skip
        talk.apply(event)
    facts = talk.facts()
    assert facts["day"] == "2026-11-30" and facts["hour"] == 12
    assert facts["channel"] == "sms" and facts["code_geo"] == "66023"
    assert facts["borough"] == "Verdun" and facts["fsa"] == "H4G"
    assert facts["results_shown"] and talk.needs == {"food": False}
    assert "faim" not in repr(facts) and "conversation-1" not in repr(facts)
    assert talk.key != keyed("secret", "conversation-1") == talk.sender_key


def test_unmet_when_widened_when_nothing_found_or_counsellor_after_results() -> None:
    widened = Conversation.start("s", "a", NOON)
    for event in (user("need_food"), slot("need", "food"), results("food", "radius")):
        widened.apply(event)
    assert widened.needs == {"food": True} and widened.facts()["widening"] == "radius"

    nothing = Conversation.start("s", "b", NOON)
    for event in (user("need_legal"), slot("need", "legal"), slot("place", VERDUN),
                  utter("utter_no_results")):  # fmt: skip
        nothing.apply(event)
    assert nothing.needs == {"legal": True}
    assert nothing.facts()["widening"] == "fallback"
    assert nothing.facts()["fallback_211"] == "grand_montreal"

    human = Conversation.start("s", "c", NOON)
    for event in (user("need_housing"), slot("need", "housing"), results("housing")):
        human.apply(event)
    assert human.needs == {"housing": False}
    assert human.apply(user("ask_human"))
    assert human.needs == {"housing": True}
    human.apply({"event": "pause"})
    assert human.facts()["handoff_requested"]


def test_crisis_outside_territory_and_callback() -> None:
    talk = Conversation.start("s", "d", NOON)
    talk.apply(user("crisis_suicide"))
    talk.apply(slot("crisis", "suicide"))
    sherbrooke = {"code_geo": "43027", "name": "Sherbrooke", "in_territory": False}
    talk.apply(slot("place", sherbrooke))
    talk.apply(utter("utter_outside_territory"))
    talk.apply(slot("callback_phone", "+15145550000"))
    facts = talk.facts()
    assert facts["crisis"] == "suicide" and facts["outside_211"] == "quebec"
    assert facts["callback_requested"] and "5550000" not in repr(facts)


def test_events_that_change_nothing_say_so() -> None:
    talk = Conversation.start("s", "e", NOON)
    assert talk.apply(user("greet"))  # the day and the channel
    assert not talk.apply(user("greet"))
    assert not talk.apply({"event": "action", "name": "action_listen"})


def test_a_forged_need_is_not_a_need() -> None:
    """`/need_food{"need": "b"}` sets the slot to anything: only the 20 needs are counted
    (the dashboard once answered 500 on a need 'b' the chat fuzz had recorded)."""
    talk = Conversation.start("secret", "conversation-4", NOON)
    for event in (slot("need", "b"), slot("needs", ["H2X 1Y4", "food"]), results("<b>"),
                  utter("utter_no_results")):  # fmt: skip
        talk.apply(event)
    assert talk.needs == {"food": False} and not talk.facts()["results_shown"]
