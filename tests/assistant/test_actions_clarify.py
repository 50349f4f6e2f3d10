"""`action_clarify_need` (`action_handoff` belongs to the handoff area and its tests)."""

from __future__ import annotations

from actions.clarify import ActionClarifyNeed, likely_needs
from bot.texts import t


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


async def test_after_a_crisis_line_its_need_is_offered_first(make_tracker, dispatcher, domain):
    """After SOS violence conjugale, "je veux juste savoir mes options" offered legal aid and
    health, not violence services."""
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.2},
        {"name": "need_legal", "confidence": 0.12},
        {"name": "need_violence", "confidence": 0.06},
        {"name": "need_health", "confidence": 0.06},
    ]
    tracker = make_tracker(
        "je veux juste savoir mes options",
        "nlu_fallback",
        slots={"language": "fr", "crisis": "violence"},
        ranking=ranking,
    )
    await ActionClarifyNeed().run(dispatcher, tracker, domain)
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles[:3] == [
        t("need.violence.label", "fr"),
        t("need.legal.label", "fr"),
        t("need.health.label", "fr"),
    ]


def test_a_child_in_danger_puts_no_need_first():
    ranking = [{"name": "need_food", "confidence": 0.3}]
    assert likely_needs(ranking, "child") == ["food"]
    assert likely_needs(ranking, "suicide") == ["mental_health", "food"]
