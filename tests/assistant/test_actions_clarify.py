"""`action_clarify_need` (`action_handoff` belongs to the handoff area and its tests)."""

from __future__ import annotations

from actions.clarify import ActionClarifyNeed, likely_needs


def test_likely_needs_keeps_the_best_three_needs():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "need_food", "confidence": 0.3},
        {"name": "greet", "confidence": 0.1},
        {"name": "need_unspecified", "confidence": 0.1},
        {"name": "need_income", "confidence": 0.08},
        {"name": "need_housing", "confidence": 0.06},
        {"name": "need_legal", "confidence": 0.05},
        {"name": "need_health", "confidence": 0.01},
    ]
    assert likely_needs(ranking) == ["food", "income", "housing"]


async def test_clarify_offers_needs_in_english(make_tracker, dispatcher, domain):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "need_food", "confidence": 0.3},
    ]
    tracker = make_tracker("uh food?", "nlu_fallback", slots={"language": "en"}, ranking=ranking)
    await ActionClarifyNeed().run(dispatcher, tracker, domain)
    message = dispatcher.messages[0]
    assert message["response"] == "utter_clarify_need"
    assert [b["title"] for b in message["buttons"]] == [
        "Food",
        "Something else",
        "Talk to a counsellor",
    ]


async def test_clarify_without_any_need_falls_back(make_tracker, dispatcher, domain):
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "greet", "confidence": 0.3}]
    tracker = make_tracker("???", "nlu_fallback", ranking=ranking)
    await ActionClarifyNeed().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_fallback"]
