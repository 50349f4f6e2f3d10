"""`action_search_services`: one results payload, paging, referral, corrections."""

from __future__ import annotations

from dataclasses import dataclass, field

from actions.search import ActionSearchServices
from tests.assistant.conftest import LAVAL, place_slot


@dataclass
class FakeResult:
    hits: list = field(default_factory=list)
    widened: object = None
    fallback: object = None


async def run(tracker, dispatcher, domain):
    return await ActionSearchServices().run(dispatcher, tracker, domain)


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


async def test_one_results_payload_between_intro_and_menu(
    make_tracker, dispatcher, domain, fake_search
):
    tracker = make_tracker("Laval", "provide_place", slots={"need": "food", "place": LAVAL})
    assert await run(tracker, dispatcher, domain) == []
    intro, results, menu = dispatcher.messages
    assert intro["response"] == "utter_results_intro" and intro["near_place"] == "près de Laval"
    assert menu["response"] == "utter_results_menu"
    assert fake_search[0]["need"] == "food" and fake_search[0]["place"] == "65005"
    payload = results["custom"]
    assert payload["type"] == "service_results" and payload["page"] == 1 and payload["more"]
    cards = payload["cards"]
    assert [c["name"] for c in cards] == ["Service 1", "Service 2", "Service 3"]
    assert [c["index"] for c in cards] == [1, 2, 3]
    assert cards[0]["text"]["fictional"] == "⚠ Organisme fictif (démonstration)"
    assert cards[0]["text"]["status"] == "Ouvert maintenant"
    assert cards[0]["text"]["distance"] == "à 1,2 km" and cards[0]["distance_km"] == 1.25
    assert cards[1]["text"]["status"].startswith("Fermé en ce moment — ouvre demain à")
    titles = [b["title"] for b in menu["buttons"]]
    assert titles == [
        "Autres options",
        "Un autre besoin",
        "Parler à une personne intervenante",
        "C'est tout, merci",
    ]
    assert menu["buttons"][0]["payload"] == '/need_food{"page": 2}'


async def test_english_and_next_page(make_tracker, dispatcher, domain, fake_search):
    slots = {"language": "en", "need": "food", "place": LAVAL}
    entities = [{"entity": "page", "value": 2}]
    tracker = make_tracker('/need_food{"page": 2}', "need_food", slots=slots, entities=entities)
    await run(tracker, dispatcher, domain)
    cards = dispatcher.messages[1]["custom"]["cards"]
    assert [c["name"] for c in cards] == ["Service 4", "Service 5", "Service 6"]
    assert cards[0]["text"]["status"].startswith("Closed right now — opens tomorrow at ")
    assert cards[1]["text"]["status"] == "Open now"
    assert cards[0]["index"] == 4 and cards[0]["text"]["distance"] == "1.2 km away"
    assert dispatcher.messages[-1]["buttons"][0] == {
        "title": "Other options",
        "payload": '/need_food{"page": 3}',
    }


def _cards_shown(need: str, page: int) -> dict:
    """The bot event of a results page, as Rasa stores it."""
    return {
        "event": "bot",
        "text": "…",
        "data": {"custom": {"type": "service_results", "need": need, "page": page}},
    }


async def test_typed_more_results_shows_the_page_after_the_last_one(
    make_tracker, dispatcher, domain, fake_search
):
    slots = {"need": "food", "place": LAVAL}
    shown = [_cards_shown("food", 1), _cards_shown("food", 2)]
    tracker = make_tracker("y en a tu d'autres?", "more_results", slots=slots)
    tracker.events[:0] = shown  # seen before this message
    await run(tracker, dispatcher, domain)
    payload = dispatcher.messages[1]["custom"]
    assert payload["page"] == 3
    assert [c["name"] for c in payload["cards"]] == ["Service 7"]


async def test_typed_more_results_for_another_need_starts_at_its_first_page(
    make_tracker, dispatcher, domain, fake_search
):
    slots = {"need": "housing", "place": LAVAL}
    tracker = make_tracker("any other housing help?", "more_results", slots=slots)
    tracker.events[:0] = [_cards_shown("food", 2)]
    await run(tracker, dispatcher, domain)
    assert dispatcher.messages[1]["custom"]["page"] == 1
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
    slots = {"need": "food", "place": LAVAL}
    tracker = make_tracker("", "need_food", slots=slots, entities=[{"entity": "page", "value": 3}])
    await run(tracker, dispatcher, domain)
    assert len(dispatcher.messages[1]["custom"]["cards"]) == 1
    assert dispatcher.messages[-1]["buttons"][0]["payload"] == "/need_unspecified"


async def test_beyond_the_results(make_tracker, dispatcher, domain, fake_search):
    slots = {"need": "food", "place": LAVAL}
    tracker = make_tracker("", "need_food", slots=slots, entities=[{"entity": "page", "value": 9}])
    await run(tracker, dispatcher, domain)
    assert responses(dispatcher) == ["utter_no_more_results"]


async def test_outside_territory_gets_the_right_211(make_tracker, dispatcher, domain, fake_search):
    slots = {
        "language": "en",
        "need": "food",
        "place": place_slot("43027", "Sherbrooke", in_territory=False),
    }
    await run(make_tracker("Sherbrooke", "provide_place", slots=slots), dispatcher, domain)
    assert fake_search == []
    assert responses(dispatcher) == ["utter_outside_territory", "utter_outside_territory_next"]
    assert "211" in dispatcher.messages[0]["referral"]


async def test_a_place_outside_before_the_need_gets_the_right_211_at_once(
    make_tracker, dispatcher, domain, fake_search
):
    slots = {"place": place_slot("37067", "Trois-Rivières", in_territory=False)}
    await run(make_tracker("Trois-Rivieres", "provide_place", slots=slots), dispatcher, domain)
    assert responses(dispatcher) == ["utter_outside_territory", "utter_outside_territory_next"]
    assert fake_search == []


async def test_place_before_need_asks_the_need(make_tracker, dispatcher, domain, fake_search):
    slots = {"place": LAVAL}
    await run(make_tracker("Laval", "provide_place", slots=slots), dispatcher, domain)
    assert responses(dispatcher) == ["utter_place_noted", "utter_ask_need"]
    assert fake_search == []


async def test_plain_no_is_not_a_search(make_tracker, dispatcher, domain, fake_search):
    slots = {"need": "food", "place": LAVAL}
    await run(make_tracker("non", "deny", slots=slots), dispatcher, domain)
    assert responses(dispatcher) == ["utter_anything_else"]
    assert fake_search == []


async def test_no_results_gives_the_fallback(make_tracker, dispatcher, domain, monkeypatch):
    import bot.search

    monkeypatch.setattr(bot.search, "search", lambda *a, **k: FakeResult(hits=[]), raising=False)
    slots = {"need": "gambling", "place": LAVAL}
    await run(make_tracker("Laval", "provide_place", slots=slots), dispatcher, domain)
    assert responses(dispatcher) == ["utter_no_results", "utter_anything_else"]
    assert "211" in dispatcher.messages[0]["fallback"]


def _said(text: str, intent: str, needs: list[str] | None = None) -> dict:
    """A user event as Rasa stores it."""
    entities = [{"entity": "needs", "value": n} for n in needs or []]
    return {"event": "user", "text": text,
            "parse_data": {"intent": {"name": intent}, "entities": entities}}  # fmt: skip


async def test_several_needs_in_one_message_are_all_served(
    make_tracker, dispatcher, domain, fake_search
):
    stated = _said("I need a lawyer for my immigration appeal", "need_legal",
                   ["legal", "immigration"])  # fmt: skip
    slots = {"language": "en", "need": "legal", "needs": ["legal", "immigration"], "place": LAVAL}
    tracker = make_tracker("Laval", "provide_place", slots=slots)
    tracker.events[:0] = [stated]
    await run(tracker, dispatcher, domain)
    payloads = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert [p["need"] for p in payloads] == ["legal", "immigration"]
    assert [c["need"] for c in fake_search] == ["legal", "immigration"]
    # the person's words rank the services of each need
    assert all(c["text"] == "I need a lawyer for my immigration appeal" for c in fake_search)
    titles = [b["title"] for b in dispatcher.messages[-1]["buttons"]]
    assert titles[:2] == ["More options: Legal help", "More options: Immigration"]
    # a service of both needs is shown once, under the first (a tester saw a women's shelter
    # listed under violence and again under shelter)
    legal, immigration = ([c["service_id"] for c in p["cards"]] for p in payloads)
    assert legal == ["s1", "s2", "s3"] and immigration == ["s4", "s5", "s6"]


async def test_a_third_need_is_offered_as_a_button(make_tracker, dispatcher, domain, fake_search):
    needs = ["housing", "food", "income"]
    slots = {"need": "housing", "needs": needs, "place": LAVAL}
    tracker = make_tracker("Laval", "provide_place", slots=slots)
    tracker.events[:0] = [
        _said("j'ai perdu ma job, le loyer, pu rien a manger", "need_housing", needs)
    ]
    await run(tracker, dispatcher, domain)
    assert [c["need"] for c in fake_search] == ["housing", "food"]
    payloads = [b["payload"] for b in dispatcher.messages[-1]["buttons"]]
    assert "/need_income" in payloads


async def test_a_need_from_a_button_has_no_words(make_tracker, dispatcher, domain, fake_search):
    slots = {"need": "food", "needs": ["legal", "immigration"], "place": LAVAL}
    await run(make_tracker("/need_food", "need_food", slots=slots), dispatcher, domain)
    assert [c["need"] for c in fake_search] == ["food"] and fake_search[0]["text"] is None


async def test_a_place_after_a_crisis_line_shows_that_crisis_services(
    make_tracker, dispatcher, domain, fake_search
):
    """After SOS violence conjugale, "Laval" alone asks for violence services there (a tester
    got "what do you need?" with food and housing buttons)."""
    from rasa_sdk.events import SlotSet

    tracker = make_tracker("Laval", "provide_place", slots={"crisis": "violence", "place": LAVAL})
    assert await run(tracker, dispatcher, domain) == [SlotSet("need", "violence")]
    # the line again first (in fewer words: bot/runtime/nlg.py), then the services
    assert responses(dispatcher)[:2] == ["utter_crisis_violence", "utter_results_intro"]
    assert fake_search[0]["need"] == "violence"


async def test_a_place_after_a_child_crisis_line_still_asks_the_need(
    make_tracker, dispatcher, domain, fake_search
):
    """A child in danger has no services of its own to show: youth protection is the line."""
    tracker = make_tracker("Laval", "provide_place", slots={"crisis": "child", "place": LAVAL})
    await run(tracker, dispatcher, domain)
    assert responses(dispatcher) == ["utter_place_noted", "utter_ask_need"]
    assert fake_search == []


def _cards_answer(need: str, ids: list[str]) -> list[dict]:
    """A user message, then the bot's results page with these services, as Rasa stores them."""
    cards = [
        {"index": i, "service_id": sid, "name": f"Service {sid[1:]}", "phone": f"514-555-010{i}"}
        for i, sid in enumerate(ids, start=1)
    ]
    custom = {"type": "service_results", "need": need, "page": 1, "cards": cards}
    return [
        {"event": "user", "text": "…", "parse_data": {"intent": {"name": f"need_{need}"}}},
        {"event": "bot", "text": "…", "data": {"custom": custom}},
    ]


async def test_the_same_list_again_is_named_not_repeated(
    make_tracker, dispatcher, domain, fake_search
):
    # a tester: "do they help with the Régie du logement too?" after the housing cards
    slots = {"language": "en", "need": "food", "place": LAVAL}
    tracker = make_tracker("do they help with the food bank card too?", "need_food", slots=slots)
    tracker.events[:0] = _cards_answer("food", ["s1", "s2", "s3"])
    await run(tracker, dispatcher, domain)
    said, menu = dispatcher.messages
    assert not said["custom"] and said["text"].startswith("These are the same resources as above")
    assert "1. Service 1: ☎ 514-555-0101" in said["text"].replace("\n", " | ")
    assert menu["response"] == "utter_results_menu"
    assert menu["buttons"][0]["payload"] == '/need_food{"page": 2}'


async def test_other_services_than_the_latest_are_shown(
    make_tracker, dispatcher, domain, fake_search
):
    slots = {"need": "food", "place": LAVAL}
    tracker = make_tracker("une banque alimentaire", "need_food", slots=slots)
    tracker.events[:0] = _cards_answer("food", ["s1", "s2", "s9"])
    await run(tracker, dispatcher, domain)
    assert responses(dispatcher)[0] == "utter_results_intro"
    assert [c["name"] for c in dispatcher.messages[1]["custom"]["cards"]] == [
        "Service 1",
        "Service 2",
        "Service 3",
    ]


async def test_a_need_whose_list_was_just_shown_is_not_listed_again(
    make_tracker, dispatcher, domain, fake_search
):
    # "pis pour le chômage?" after housing and income: the income list again, then employment
    slots = {"need": "employment", "needs": ["employment", "income"], "place": LAVAL}
    tracker = make_tracker("pis pour le chômage?", "need_employment", slots=slots)
    # employment takes s1-s3 (every need finds s1-s7 here), so income's page is s4-s6
    tracker.events[:0] = _cards_answer("income", ["s4", "s5", "s6"])
    await run(tracker, dispatcher, domain)
    shown = [m["custom"]["need"] for m in dispatcher.messages if m.get("custom")]
    assert shown == ["employment"]
    notes = [m["text"] for m in dispatcher.messages if m.get("text")]
    assert "Revenu et budget : les ressources sont celles de plus haut." in notes
