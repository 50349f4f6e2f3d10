"""`action_validate_slot_mappings`: the place and the language, on every message."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from actions.slots import ValidatePredefinedSlots


async def run(tracker, dispatcher, domain):
    return await ValidatePredefinedSlots().run(dispatcher, tracker, domain)


def slot_values(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_place_answer_sets_municipality_and_borough(make_tracker, dispatcher, domain):
    tracker = make_tracker("chu dans Hochelaga", "provide_place")
    slots = slot_values(await run(tracker, dispatcher, domain))
    assert slots["municipality"] == "66023"
    assert "Hochelaga" in slots["borough"]
    assert "Montréal" in slots["place_name"]
    assert dispatcher.messages == []


async def test_correction_inside_a_sentence(make_tracker, dispatcher, domain):
    tracker = make_tracker("non, à Laval", "deny", slots={"municipality": "58007"})
    assert slot_values(await run(tracker, dispatcher, domain))["municipality"] == "65005"


async def test_postal_code_entity(make_tracker, dispatcher, domain):
    entities = [{"entity": "postal_code", "value": "H2X 1Y4", "start": 0, "end": 7}]
    tracker = make_tracker("H2X 1Y4", "provide_place", entities=entities)
    assert slot_values(await run(tracker, dispatcher, domain))["municipality"] == "66023"


async def test_shared_location_payload(make_tracker, dispatcher, domain):
    entities = [{"entity": "lat", "value": 45.52}, {"entity": "lon", "value": -73.58}]
    tracker = make_tracker(
        '/provide_place{"lat":45.52,"lon":-73.58}', "provide_place", entities=entities
    )
    slots = slot_values(await run(tracker, dispatcher, domain))
    assert slots["municipality"] == "66023"
    assert (slots["lat"], slots["lon"]) == (45.52, -73.58)


async def test_shared_location_metadata(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        "", "provide_place", metadata={"location": {"lat": 45.56, "lon": -73.71}}
    )
    assert slot_values(await run(tracker, dispatcher, domain))["municipality"] == "65005"


async def test_crisis_message_never_sets_a_place(make_tracker, dispatcher, domain):
    tracker = make_tracker("je veux mourir à Laval", "crisis_suicide")
    assert "municipality" not in slot_values(await run(tracker, dispatcher, domain))


async def test_a_need_without_place_sets_nothing(make_tracker, dispatcher, domain):
    tracker = make_tracker("j'ai faim", "need_food")
    assert "municipality" not in slot_values(await run(tracker, dispatcher, domain))


async def test_other_language_answers_then_returns_to_conversation_language(
    make_tracker, dispatcher, domain
):
    events = [{"event": "slot", "name": "language", "value": "es"}]
    history = [
        {"event": "slot", "name": "language", "value": "en"},
    ]
    tracker = make_tracker("necesito ayuda", "need_unspecified", events=events)
    tracker.events[:0] = history
    result = await run(tracker, dispatcher, domain)
    assert SlotSet("language", "en") in result
    assert [m["response"] for m in dispatcher.messages] == ["utter_other_language"]


async def test_french_or_english_passes(make_tracker, dispatcher, domain):
    events = [{"event": "slot", "name": "language", "value": "en"}]
    tracker = make_tracker("hello", "greet", events=events)
    result = await run(tracker, dispatcher, domain)
    assert SlotSet("language", "en") in result
    assert dispatcher.messages == []


async def test_place_entity_prefers_the_words_said(make_tracker, dispatcher, domain):
    entities = [
        {"entity": "place", "value": "Montréal", "start": 9, "end": 15, "code_geo": "66023"}
    ]
    tracker = make_tracker("I'm in a Verdun", "provide_place", entities=entities)
    tracker.latest_message["text"] = "I'm in a Verdun"
    slots = slot_values(await run(tracker, dispatcher, domain))
    assert slots["municipality"] == "66023"
    assert slots["borough"] == "Verdun"
