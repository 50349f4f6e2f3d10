"""`validate_referral_form`: re-asking politely, and letting other intents through."""

from __future__ import annotations

import pytest

from actions.referral_form import ValidateReferralForm
from tests.assistant.conftest import LAVAL


async def run(tracker, dispatcher, domain):
    return await ValidateReferralForm().run(dispatcher, tracker, domain)


async def test_unknown_place_is_asked_again(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        "zxcvb",
        "provide_place",
        slots={"requested_slot": "place"},
        active_loop="referral_form",
    )
    events = await run(tracker, dispatcher, domain)
    assert {"event": "slot", "name": "place", "value": None, "timestamp": None} in events
    assert [m["response"] for m in dispatcher.messages] == ["utter_place_not_found"]


async def test_other_intent_is_not_swallowed(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        "je veux parler à quelqu'un",
        "ask_human",
        slots={"requested_slot": "place"},
        active_loop="referral_form",
    )
    events = await run(tracker, dispatcher, domain)
    assert not [e for e in events if e["event"] == "slot" and e["name"] == "place"]
    assert dispatcher.messages == []


async def test_place_found_this_turn_is_kept(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        "Laval",
        "provide_place",
        slots={"requested_slot": "place", "place": LAVAL},
        events=[{"event": "slot", "name": "place", "value": LAVAL}],
        active_loop="referral_form",
    )
    events = await run(tracker, dispatcher, domain)
    assert {"event": "slot", "name": "place", "value": LAVAL, "timestamp": None} in events
    assert dispatcher.messages == []


def slot(name, value):
    return {"event": "slot", "name": name, "value": value, "timestamp": None}


def needs_entities(*needs):
    return [{"entity": "needs", "value": need} for need in needs]


async def test_a_correction_replaces_the_need_and_asks_the_place_again(
    make_tracker, dispatcher, domain
):
    # "non c'est pas ça, il consomme de la drogue" after the question for the place: the form
    # rejected it and the person got "pouvez-vous reformuler?"
    tracker = make_tracker(
        "non c'est pas ça, il consomme de la drogue",
        "need_addiction",
        slots={"requested_slot": "place", "need": "addiction", "needs": ["addiction"]},
        entities=needs_entities("addiction"),
        before=[slot("need", "youth"), slot("needs", ["youth"])],
        events=[slot("need", "addiction"), slot("needs", ["addiction"])],
        active_loop="referral_form",
    )
    events = await run(tracker, dispatcher, domain)
    assert slot("place", None) in events
    assert slot("need", "youth") not in events
    assert dispatcher.messages == []  # the form asks again; no "place not found"


async def test_a_need_added_while_the_place_is_asked_keeps_the_first(
    make_tracker, dispatcher, domain
):
    # "I need a food bank", then "I don't know, I'm homeless": food and shelter, food first
    tracker = make_tracker(
        "I don't know, I'm homeless",
        "need_shelter",
        slots={"requested_slot": "place", "need": "shelter", "needs": ["shelter"]},
        entities=needs_entities("shelter"),
        before=[slot("need", "food"), slot("needs", ["food"])],
        events=[slot("need", "shelter"), slot("needs", ["shelter"])],
        active_loop="referral_form",
    )
    events = await run(tracker, dispatcher, domain)
    assert slot("place", None) in events
    assert slot("need", "food") in events
    assert slot("needs", ["food", "shelter"]) in events
    assert dispatcher.messages == []


async def test_a_need_added_with_a_place_keeps_both_and_the_place(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        "de la nourriture aussi, à Laval",
        "need_food",
        slots={"requested_slot": "place", "need": "food", "needs": ["food"], "place": LAVAL},
        entities=needs_entities("food"),
        before=[slot("need", "housing"), slot("needs", ["housing"])],
        events=[slot("need", "food"), slot("needs", ["food"]), slot("place", LAVAL)],
        active_loop="referral_form",
    )
    events = await run(tracker, dispatcher, domain)
    assert slot("place", LAVAL) in events
    assert slot("need", "housing") in events
    assert slot("needs", ["housing", "food"]) in events


@pytest.mark.parametrize(
    ("words", "intent"),
    [
        ("why do you need my location?", "provide_place"),
        ("pourquoi vous voulez savoir ça?", "need_unspecified"),
    ],
)
async def test_why_the_place_is_asked_is_answered(make_tracker, dispatcher, domain, words, intent):
    # "why do you need my location?" got "I can't find that place"
    tracker = make_tracker(
        words, intent, slots={"requested_slot": "place"}, active_loop="referral_form"
    )
    events = await run(tracker, dispatcher, domain)
    assert slot("place", None) in events
    assert [m["response"] for m in dispatcher.messages] == ["utter_place_why"]
