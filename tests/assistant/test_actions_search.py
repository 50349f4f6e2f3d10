"""`action_search_services`: cards as text and payload, paging, referral, corrections."""

from __future__ import annotations

from dataclasses import dataclass, field

from actions.search import ActionSearchServices


@dataclass
class FakeResult:
    hits: list = field(default_factory=list)
    widened: object = None
    fallback: object = None


async def run(tracker, dispatcher, domain):
    return await ActionSearchServices().run(dispatcher, tracker, domain)


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


async def test_three_cards_as_text_and_payload(make_tracker, dispatcher, domain, fake_search):
    slots = {"need": "food", "municipality": "65005", "place_name": "Laval"}
    tracker = make_tracker("Laval", "provide_place", slots=slots)
    assert await run(tracker, dispatcher, domain) == []
    assert responses(dispatcher) == [
        "utter_results_intro",
        "utter_service_card",
        "utter_service_card",
        "utter_service_card",
        "utter_results_menu",
    ]
    assert fake_search[0]["need"] == "food" and fake_search[0]["place"] == "65005"
    intro = dispatcher.messages[0]
    assert intro["custom"]["type"] == "service_cards"
    cards = intro["custom"]["cards"]
    assert [c["name"] for c in cards] == ["Service 1", "Service 2", "Service 3"]
    assert cards[0]["fictional_label"] == "⚠ Organisme fictif (démonstration)"
    assert cards[0]["status"] == "Ouvert maintenant"
    assert cards[1]["status"].startswith("Fermé en ce moment — ouvre demain à")
    card_text = dispatcher.messages[1]
    assert card_text["index"] == 1 and card_text["distance"] == " — à 1,2 km"
    titles = [b["title"] for b in dispatcher.messages[-1]["buttons"]]
    assert titles == [
        "Autres options",
        "Un autre besoin",
        "Parler à une intervenante",
        "C'est tout, merci",
    ]
    assert dispatcher.messages[-1]["buttons"][0]["payload"] == '/need_food{"page": 2}'


async def test_english_and_next_page(make_tracker, dispatcher, domain, fake_search):
    slots = {"language": "en", "need": "food", "municipality": "65005", "place_name": "Laval"}
    entities = [{"entity": "page", "value": 2}]
    tracker = make_tracker('/need_food{"page": 2}', "need_food", slots=slots, entities=entities)
    await run(tracker, dispatcher, domain)
    cards = dispatcher.messages[0]["custom"]["cards"]
    assert [c["name"] for c in cards] == ["Service 4", "Service 5", "Service 6"]
    assert cards[0]["status"].startswith("Closed right now — opens tomorrow at ")
    assert cards[1]["status"] == "Open now"
    assert (
        dispatcher.messages[1]["index"] == 4
        and dispatcher.messages[1]["distance"] == " — 1.2 km away"
    )
    assert dispatcher.messages[-1]["buttons"][0] == {
        "title": "Other options",
        "payload": '/need_food{"page": 3}',
    }


def _cards_shown(need: str, page: int) -> dict:
    """The bot event of a results page, as Rasa stores it."""
    return {
        "event": "bot",
        "text": "…",
        "data": {"custom": {"type": "service_cards", "need": need, "page": page}},
    }


async def test_typed_more_results_shows_the_page_after_the_last_one(
    make_tracker, dispatcher, domain, fake_search
):
    slots = {"need": "food", "municipality": "65005", "place_name": "Laval"}
    shown = [_cards_shown("food", 1), _cards_shown("food", 2)]
    tracker = make_tracker("y en a tu d'autres?", "more_results", slots=slots)
    tracker.events[:0] = shown  # seen before this message
    await run(tracker, dispatcher, domain)
    intro = dispatcher.messages[0]["custom"]
    assert intro["page"] == 3
    assert [c["name"] for c in intro["cards"]] == ["Service 7"]


async def test_typed_more_results_for_another_need_starts_at_its_first_page(
    make_tracker, dispatcher, domain, fake_search
):
    slots = {"need": "housing", "municipality": "65005"}
    tracker = make_tracker("any other housing help?", "more_results", slots=slots)
    tracker.events[:0] = [_cards_shown("food", 2)]
    await run(tracker, dispatcher, domain)
    assert dispatcher.messages[0]["custom"]["page"] == 1
    assert fake_search[0]["need"] == "housing"


async def test_typed_more_results_before_any_need_asks_it(
    make_tracker, dispatcher, domain, fake_search
):
    await run(make_tracker("autres options", "more_results"), dispatcher, domain)
    assert responses(dispatcher) == ["utter_ask_need"]
    assert fake_search == []


async def test_typed_more_results_while_the_place_is_asked_leaves_it_to_the_form(
    make_tracker, dispatcher, domain, fake_search
):
    tracker = make_tracker(
        "any others?", "more_results", slots={"need": "food"}, active_loop="referral_form"
    )
    assert await run(tracker, dispatcher, domain) == []
    assert dispatcher.messages == [] and fake_search == []


async def test_last_page_has_no_more_button(make_tracker, dispatcher, domain, fake_search):
    slots = {"need": "food", "municipality": "65005"}
    tracker = make_tracker("", "need_food", slots=slots, entities=[{"entity": "page", "value": 3}])
    await run(tracker, dispatcher, domain)
    assert len(dispatcher.messages[0]["custom"]["cards"]) == 1
    assert dispatcher.messages[-1]["buttons"][0]["payload"] == "/need_unspecified"


async def test_beyond_the_results(make_tracker, dispatcher, domain, fake_search):
    slots = {"need": "food", "municipality": "65005"}
    tracker = make_tracker("", "need_food", slots=slots, entities=[{"entity": "page", "value": 9}])
    await run(tracker, dispatcher, domain)
    assert responses(dispatcher) == ["utter_no_more_results"]


async def test_outside_territory_gets_the_right_211(make_tracker, dispatcher, domain, fake_search):
    slots = {"language": "en", "need": "food", "municipality": "43027", "place_name": "Sherbrooke"}
    await run(make_tracker("Sherbrooke", "provide_place", slots=slots), dispatcher, domain)
    assert fake_search == []
    assert responses(dispatcher) == ["utter_outside_territory", "utter_outside_territory_next"]
    assert "211" in dispatcher.messages[0]["referral"]


async def test_a_place_outside_before_the_need_gets_the_right_211_at_once(
    make_tracker, dispatcher, domain, fake_search
):
    slots = {"municipality": "37067", "place_name": "Trois-Rivières"}
    await run(make_tracker("Trois-Rivieres", "provide_place", slots=slots), dispatcher, domain)
    assert responses(dispatcher) == ["utter_outside_territory", "utter_outside_territory_next"]
    assert fake_search == []


async def test_place_before_need_asks_the_need(make_tracker, dispatcher, domain, fake_search):
    slots = {"municipality": "65005", "place_name": "Laval"}
    await run(make_tracker("Laval", "provide_place", slots=slots), dispatcher, domain)
    assert responses(dispatcher) == ["utter_place_noted", "utter_ask_need"]
    assert fake_search == []


async def test_plain_no_is_not_a_search(make_tracker, dispatcher, domain, fake_search):
    slots = {"need": "food", "municipality": "65005"}
    await run(make_tracker("non", "deny", slots=slots), dispatcher, domain)
    assert responses(dispatcher) == ["utter_anything_else"]
    assert fake_search == []


async def test_no_results_gives_the_fallback(make_tracker, dispatcher, domain, monkeypatch):
    import bot.search

    monkeypatch.setattr(bot.search, "search", lambda *a, **k: FakeResult(hits=[]), raising=False)
    slots = {"need": "gambling", "municipality": "65005", "place_name": "Laval"}
    await run(make_tracker("Laval", "provide_place", slots=slots), dispatcher, domain)
    assert responses(dispatcher) == ["utter_no_results", "utter_anything_else"]
    assert "211" in dispatcher.messages[0]["fallback"]
