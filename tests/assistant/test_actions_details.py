"""`action_service_details`: questions about the cards shown, answered from the directory."""

from __future__ import annotations

import functools
from datetime import datetime

import pytest
from sqlalchemy import text

import bot.directory.lookup as lookup
from actions.details import ActionServiceDetails
from bot.dialogue import results
from bot.dialogue.cards import chosen_cards, latest_cards
from bot.dialogue.details import (
    SUMMARY,
    SUMMARY_EACH,
    Question,
    answer_details,
    card_answer,
    language_name,
)
from bot.directory.schedules import describe_hours
from bot.directory.store import create_engine_from_url, get_service
from bot.texts import formats, t
from tests.assistant.conftest import FakeHit


@pytest.fixture(scope="module")
def demo_services(demo_db: str) -> list[dict]:
    """Three demo services with hours, fees and languages (French records)."""
    engine = create_engine_from_url(demo_db)
    with engine.connect() as conn:
        ids = [row[0] for row in conn.execute(text("select id from service order by id"))]
        found = []
        for service_id in ids:
            record = get_service(conn, service_id)
            if record["schedules"] and record["fees_description"] and record["languages"]:
                found.append(record)
            if len(found) == 3:
                break
    engine.dispose()
    return found


@pytest.fixture(autouse=True)
def directory(monkeypatch: pytest.MonkeyPatch, demo_db: str) -> None:
    monkeypatch.setattr(
        lookup, "services_by_id", functools.partial(lookup.services_by_id, database_url=demo_db)
    )


def shown(services: list[dict], language: str = "fr", first: int = 1, named: bool = False) -> dict:
    """The bot event of a page of results showing `services` (`named`: with each one's
    organization, as the search gives it)."""
    now = datetime.now(formats.TZ)
    cards = [
        results.service_card(
            FakeHit(
                service_id=s["id"],
                name=s["name"],
                phone="514-555-0100",
                organization=(s.get("organization") or {}).get("name", "") if named else "",
            ),
            i,
            language,
            now,
        )
        for i, s in enumerate(services, start=first)
    ]
    payload = results.results_payload(
        need="food", language=language, page=1, more=True, place_label="Laval", cards=cards
    )
    return {"event": "bot", "text": None, "data": {"custom": payload}}


async def ask(make_tracker, dispatcher, domain, question, entities, events, language="fr"):
    tracker = make_tracker(
        question,
        "ask_service_details",
        slots={"language": language},
        entities=entities,
        events=events,
    )
    # the question comes after the cards: move the user event last, as in a conversation
    tracker.events.append(tracker.events.pop(1))
    assert await ActionServiceDetails().run(dispatcher, tracker, domain) == []
    return dispatcher.messages


async def test_hours_of_the_card_named(make_tracker, dispatcher, domain, demo_services):
    entities = [{"entity": "detail", "value": "hours"}, {"entity": "card", "value": "2"}]
    messages = await ask(
        make_tracker, dispatcher, domain, "le 2e ouvre quand?", entities, [shown(demo_services)]
    )
    (answer,) = messages
    second = demo_services[1]
    assert answer["text"].startswith(f"2. {second['name']}\nHeures : ")
    assert describe_hours(second["schedules"], "fr") in answer["text"]
    assert demo_services[0]["name"] not in answer["text"]


async def test_fees_and_languages_of_each_card_in_english(
    make_tracker, dispatcher, domain, demo_services, demo_db
):
    entities = [{"entity": "detail", "value": "fees"}, {"entity": "detail", "value": "languages"}]
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        "is it free, do they speak english?",
        entities,
        [shown(demo_services, "en")],
        language="en",
    )
    (answer,) = messages
    english = lookup.services_by_id([s["id"] for s in demo_services], "en")
    for index, service in enumerate(demo_services, start=1):
        record = english[service["id"]]
        names = ", ".join(language_name(row["code"], "en") for row in record["languages"])
        assert f"{index}. {service['name']}\nFees: {record['fees_description']}" in answer["text"]
        assert f"Languages: {names}" in answer["text"]
    assert "French" in answer["text"] and "français" not in answer["text"]


async def test_a_card_the_directory_says_nothing_of_gets_one_line(
    make_tracker, dispatcher, domain, demo_services
):
    card = shown(demo_services[:1])
    card["data"]["custom"]["cards"][0]["service_id"] = "no-longer-in-the-directory"
    entities = [{"entity": "detail", "value": "fees"}]
    messages = await ask(make_tracker, dispatcher, domain, "c'est gratuit?", entities, [card])
    assert messages[0]["text"].splitlines()[1:] == [
        t("dialogue.details.none_known", "fr"),
        t("dialogue.details.confirm", "fr", phone="514-555-0100"),
    ]


def _speaks(service: dict, code: str) -> bool:
    return code in {row["code"] for row in service["languages"]}


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_language_no_card_lists_is_said_once_after_the_cards(
    make_tracker, dispatcher, domain, demo_services, language
):
    """ "do they speak spanish?" answered "Languages: French", leaving the person to infer;
    then the interpreter line came once per card, six times over two lists."""
    entities = [
        {"entity": "detail", "value": "languages"},
        {"entity": "language_asked", "value": "es"},
        {"entity": "language_asked", "value": "fr"},
    ]
    services = [s for s in demo_services if not _speaks(s, "es")]
    assert len(services) >= 2 and all(_speaks(s, "fr") for s in services)
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        "do they speak spanish or french?",
        entities,
        [shown(services, language)],
        language=language,
    )
    text = messages[0]["text"]
    name = language_name("es", language)
    assert text.count(t("dialogue.details.language_none_listed", language, name=name)) == 1
    assert text.endswith(t("dialogue.details.language_none_listed", language, name=name))
    assert t("dialogue.details.language_not_listed", language, name=name) not in text
    assert language_name("fr", language) in text  # each card's own languages line


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_the_cards_that_list_a_language_asked_are_named(
    make_tracker, dispatcher, domain, demo_db, language
):
    spanish = "select service_id from language where code = 'es' and service_id is not null"
    engine = create_engine_from_url(demo_db)
    with engine.connect() as conn:
        speaking_id = conn.execute(text(f"{spanish} order by service_id")).scalar()
        silent_id = conn.execute(
            text(
                "select service_id from language where service_id is not null"
                f" and service_id not in ({spanish}) order by service_id"
            )
        ).scalar()
        speaking, silent = get_service(conn, speaking_id), get_service(conn, silent_id)
    engine.dispose()
    entities = [
        {"entity": "detail", "value": "languages"},
        {"entity": "language_asked", "value": "es"},
    ]
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        "ils parlent-tu espagnol?",
        entities,
        [shown([silent, speaking], language, named=True)],
        language=language,
    )
    name = language_name("es", language)
    # the card as shown, its organization with it (a tester: "listed by: 1. Addiction help, 2.
    # Addiction help…")
    page = shown([silent, speaking], language, named=True)["data"]["custom"]["cards"]
    card = t("dialogue.details.card", language, index=2, name=results.card_name(page[1], language))
    assert speaking["organization"]["name"] in card
    assert messages[0]["text"].endswith(
        t("dialogue.details.language_listed_by", language, name=name, cards=card)
    )


async def test_one_card_asked_about_says_this_resource(
    make_tracker, dispatcher, domain, demo_services
):
    silent = next(s for s in demo_services if not _speaks(s, "es"))
    entities = [
        {"entity": "detail", "value": "languages"},
        {"entity": "language_asked", "value": "es"},
        {"entity": "card", "value": "1"},
    ]
    messages = await ask(
        make_tracker, dispatcher, domain, "le 1er parle espagnol?", entities, [shown([silent])]
    )
    name = language_name("es", "fr")
    assert messages[0]["text"].endswith(t("dialogue.details.language_not_listed", "fr", name=name))


def test_what_the_directory_does_not_say_is_said_so(demo_services):
    service = {**demo_services[0], "fees_description": None, "cost_options": []}
    card = {"index": 1, "name": service["name"], "phone": None}
    now = datetime.now(formats.TZ)
    lines = card_answer(card, service, ("hours", "fees"), "en", now).splitlines()
    assert lines[1].startswith("Hours: " + describe_hours(service["schedules"], "en"))
    assert lines[2:] == [
        f"Fees: {t('dialogue.details.unknown', 'en')}",
        t("dialogue.details.confirm_211", "en"),
    ]


def test_a_vague_question_gets_a_shorter_summary_for_each_card():
    vague = Question((), None, overview=True)  # "c'est quoi ces places-là?"
    assert answer_details(vague, [{"index": 1}]) == SUMMARY
    assert answer_details(vague, [{"index": 1}, {"index": 2}]) == SUMMARY_EACH
    assert answer_details(Question(("fees",), None), [{"index": 1}, {"index": 2}]) == ("fees",)
    nearest = Question((), "nearest")
    assert answer_details(nearest, [{"index": 1}]) == ("address", *SUMMARY), "where and how far"


async def test_a_number_not_shown_answers_for_each_card(
    make_tracker, dispatcher, domain, demo_services
):
    entities = [{"entity": "card", "value": "7"}]
    messages = await ask(
        make_tracker, dispatcher, domain, "et le 7?", entities, [shown(demo_services)]
    )
    assert messages[0]["response"] == "utter_details_no_such_card"
    assert messages[0]["numbers"] == "1, 2, 3"
    assert all(s["name"] in messages[1]["text"] for s in demo_services)


async def test_nothing_shown_yet(make_tracker, dispatcher, domain):
    messages = await ask(make_tracker, dispatcher, domain, "c'est gratuit?", [], [])
    assert [m["response"] for m in messages] == ["utter_details_nothing_shown"]


@pytest.mark.parametrize(
    "words", ["je préfère pas dire où j'habite", "why do you need to know that?"]
)
async def test_asked_while_the_place_is_asked_says_why_the_place(
    make_tracker, dispatcher, domain, words
):
    # "Je ne vous ai pas encore montré de ressources. Dites-moi de quoi vous avez besoin et
    # où" answered a person reluctant to say where they live, whose need was known
    tracker = make_tracker(
        words,
        "ask_service_details",
        slots={"requested_slot": "place", "need": "food"},
        active_loop="referral_form",
    )
    assert await ActionServiceDetails().run(dispatcher, tracker, domain) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_place_why"]


def test_latest_cards_are_those_of_the_latest_results(demo_services):
    older = shown(demo_services[:1])
    newer = shown(demo_services[1:], first=4)
    events = [older, {"event": "user", "text": "autres options"}, newer]
    assert [c["index"] for c in latest_cards(events)] == [4, 5]


def test_card_by_number_as_shown_or_by_rank():
    cards = [{"index": 4}, {"index": 5}, {"index": 6}]
    assert chosen_cards(cards, "5") == [{"index": 5}]
    assert chosen_cards(cards, "1") == [{"index": 4}]
    assert chosen_cards(cards, "last") == [{"index": 6}]
    assert chosen_cards(cards, None) == cards
    assert chosen_cards(cards, "9") is None


def test_the_nearest_card_is_the_least_distance_and_the_first_when_none_is_known():
    cards = [{"index": 1, "distance_km": 2.5}, {"index": 2, "distance_km": 0.4}, {"index": 3}]
    assert chosen_cards(cards, "nearest") == [{"index": 2, "distance_km": 0.4}]
    assert chosen_cards([{"index": 1}, {"index": 2}], "nearest") == [{"index": 1}]


def test_question_from_entities_keeps_the_order_asked():
    question = Question.from_entities(
        [
            {"entity": "detail", "value": "fees"},
            {"entity": "card", "value": "2"},
            {"entity": "detail", "value": "hours"},
            {"entity": "detail", "value": "fees"},
            {"entity": "detail", "value": "no such detail"},
        ]
    )
    assert question == Question(("fees", "hours"), "2")
    spoken = Question.from_entities(
        [{"entity": "language_asked", "value": v} for v in ("es", "ar", "es")]
    )
    assert spoken.languages == ("es", "ar")


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_something_closer_names_the_nearest_card_of_those_shown(
    make_tracker, dispatcher, domain, demo_services, language
):
    """ "ya tu qqch de plus proche?" listed every card's address; the nearest card answers,
    and the person is told it is the closest of those shown."""
    entities = [{"entity": "card", "value": "nearest"}]
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        "ya tu qqch de plus proche",
        entities,
        [shown(demo_services, language)],
        language=language,
    )
    text = messages[0]["text"]
    assert text.startswith(
        t("dialogue.details.card", language, index=1, name=demo_services[0]["name"])
    )
    for index, service in enumerate(demo_services[1:], start=2):
        other = t("dialogue.details.card", language, index=index, name=service["name"])
        assert other not in text
    assert text.endswith(t("dialogue.details.nearest_of_shown", language))
