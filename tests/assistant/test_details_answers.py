"""Questions about the cards the directory cannot read, new details, and picking among pages.

"Do they take dogs?" was answered with each card's hours and fees; "y a tu une liste
d'attente?", "is it online?", "c'est pour les adultes?" too; "lequel est ouvert demain?" after
two pages looked at the last page only; "y a tu qqch plus proche?" picked an income card for a
question about diapers; "c'est tu confidentiel?" was a bot challenge.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text

import bot.directory.lookup as lookup
from actions.details import ActionServiceDetails
from bot.dialogue import results
from bot.dialogue.cards import chosen_cards, latest_cards, named_cards, shown_cards
from bot.dialogue.details import (
    SUMMARY,
    SUMMARY_EACH,
    Question,
    answer_details,
    ask_them,
    card_answer,
    confidential_answer,
    fact,
    reply,
)
from bot.directory.store import create_engine_from_url, get_service
from bot.texts import formats, t
from tests.assistant.conftest import FakeHit

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=formats.TZ)


@pytest.fixture(scope="module")
def demo_services(demo_db: str) -> list[dict]:
    """Six demo services with an eligibility text (French records), the first for adults."""
    engine = create_engine_from_url(demo_db)
    with engine.connect() as conn:
        ids = [
            row[0]
            for row in conn.execute(
                text(
                    "select id from service where eligibility_description is not null"
                    " order by (minimum_age = 18 and maximum_age is null) desc, id limit 6"
                )
            )
        ]
        found = [get_service(conn, service_id) for service_id in ids]
    engine.dispose()
    assert len(found) == 6 and found[0]["minimum_age"] == 18
    return found


@pytest.fixture(autouse=True)
def directory(monkeypatch: pytest.MonkeyPatch, demo_db: str) -> None:
    monkeypatch.setattr(
        lookup, "services_by_id", functools.partial(lookup.services_by_id, database_url=demo_db)
    )


def page(
    services: list[dict],
    language: str = "fr",
    *,
    first: int = 1,
    need: str = "food",
    page_number: int = 1,
    distances: list[float] | None = None,
) -> dict[str, Any]:
    """The bot event of one page of results showing `services`."""
    now = datetime.now(formats.TZ)
    distances = distances or [1.0 + i for i in range(len(services))]
    cards = [
        results.service_card(
            FakeHit(
                service_id=s["id"],
                name=s["name"],
                phone=f"514-555-01{index:02d}",
                distance_km=distance,
            ),
            index,
            language,
            now,
        )
        for index, (s, distance) in enumerate(zip(services, distances, strict=True), start=first)
    ]
    payload = results.results_payload(
        need=need,
        language=language,
        page=page_number,
        more=True,
        place_label="Laval",
        cards=cards,
    )
    return {"event": "bot", "text": None, "data": {"custom": payload}}


def said(words: str) -> dict[str, Any]:
    return {"event": "user", "text": words}


async def ask(
    make_tracker, dispatcher, domain, question, entities, events, language="fr", channel=None
):
    tracker = make_tracker(
        question,
        "ask_service_details",
        slots={"language": language},
        entities=entities,
        events=events,
    )
    tracker.events.append(tracker.events.pop(1))  # the question comes after the cards
    tracker.events[-1]["input_channel"] = channel
    assert await ActionServiceDetails().run(dispatcher, tracker, domain) == []
    return dispatcher.messages


def titles(services: list[dict], language: str, first: int = 1) -> list[str]:
    return [
        t("dialogue.details.card", language, index=i, name=s["name"])
        for i, s in enumerate(services, start=first)
    ]


# --- a question the directory cannot read: said so, with each phone ----------------------------


@pytest.mark.parametrize(
    ("language", "question"), [("fr", "ils prennent tu les chiens?"), ("en", "do they take dogs?")]
)
async def test_a_question_no_detail_holds_gives_each_phone_not_hours_and_fees(
    make_tracker, dispatcher, domain, demo_services, language, question
):
    services = demo_services[:3]
    messages = await ask(
        make_tracker, dispatcher, domain, question, [], [page(services, language)], language
    )
    (answer,) = messages
    lines = answer["text"].splitlines()
    assert lines[0] == t("dialogue.details.not_in_directory_ask", language)
    assert lines[1:] == [
        t("dialogue.details.phone_of", language, card=title, phone=f"514-555-01{i:02d}")
        for i, title in enumerate(titles(services, language), start=1)
    ]
    for label in ("hours", "fees"):
        assert t(f"dialogue.details.{label}", language) not in answer["text"]


async def test_a_card_named_with_such_a_question_gives_its_phone(
    make_tracker, dispatcher, domain, demo_services
):
    entities = [{"entity": "card", "value": "2"}]
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        "le 2e prend tu les chiens?",
        entities,
        [page(demo_services[:3])],
    )
    second = titles(demo_services[:3], "fr")[1]
    assert messages[0]["text"].splitlines() == [
        t("dialogue.details.not_in_directory_ask", "fr"),
        t("dialogue.details.phone_of", "fr", card=second, phone="514-555-0102"),
    ]


def test_without_any_phone_the_answer_is_211():
    cards = [{"index": 1, "name": "A", "phone": None}, {"index": 2, "name": "B"}]
    assert ask_them(cards, "en").splitlines() == [
        t("dialogue.details.not_in_directory", "en"),
        t("dialogue.details.confirm_211", "en"),
    ]
    mixed = ask_them([{"index": 1, "name": "A", "phone": "514-555-0100"}, cards[1]], "fr")
    card = t("dialogue.details.card", "fr", index=2, name="B")
    assert mixed.splitlines()[-1] == t("dialogue.details.no_phone_of", "fr", card=card)


def test_details_to_give_the_main_facts_only_when_they_are_asked_for():
    assert answer_details(Question((), None), [{"index": 1}, {"index": 2}]) == ()
    assert answer_details(Question((), "2"), [{"index": 2}]) == (), "le 2e prend les chiens?"
    more = Question((), None, overview=True)
    assert answer_details(more, [{"index": 1}]) == SUMMARY
    assert answer_details(more, [{"index": 1}, {"index": 2}]) == SUMMARY_EACH
    nearest = Question((), "nearest")
    assert answer_details(nearest, [{"index": 1}]) == ("address", *SUMMARY)
    assert answer_details(Question(("wait", "confidential"), None), [{"index": 1}]) == ("wait",)
    assert answer_details(Question(("confidential",), None), [{"index": 1}]) == ()


def test_question_reads_overview_and_needs_named():
    question = Question.from_entities(
        [
            {"entity": "detail", "value": "overview"},
            {"entity": "card", "value": "nearest"},
            {"entity": "need", "value": "income"},
            {"entity": "needs", "value": "income"},
            {"entity": "needs", "value": "family"},
        ]
    )
    assert question == Question((), "nearest", overview=True, needs=("income", "family"))
    confidential = Question.from_entities([{"entity": "detail", "value": "confidential"}])
    assert confidential.only_about_211 and not Question(("fees",), None).only_about_211


# --- waiting time, who it is for, online or in person ------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_waiting_list_no_record_holds_is_said_once_with_the_phones(
    make_tracker, dispatcher, domain, demo_services, language
):
    """The demo records hold no wait_time: no card line says "not listed" six times."""
    services = demo_services[:3]
    assert not any(s.get("wait_time") for s in services)
    entities = [{"entity": "detail", "value": "wait"}]
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        "y a tu une liste d'attente?",
        entities,
        [page(services, language)],
        language,
    )
    lines = messages[0]["text"].splitlines()
    assert lines[0] == t("dialogue.details.not_in_directory_ask", language)
    assert len(lines) == 4 and all("☎ 514-555-01" in line for line in lines[1:])


@pytest.mark.parametrize(
    ("language", "label", "wait"),
    [("fr", "Attente", "Environ deux semaines."), ("en", "Waiting time", "About two weeks.")],
)
def test_the_waiting_time_the_record_holds(demo_services, language, label, wait):
    service = {**demo_services[0], "wait_time": wait}
    card = {"index": 1, "name": service["name"], "phone": "514-555-0100"}
    lines = card_answer(card, service, ("wait",), language, NOW).splitlines()
    assert lines[1] == t("dialogue.details.line", language, label=label, value=wait)
    assert len(lines) == 2, "known: no call to confirm"


@pytest.mark.parametrize(
    ("language", "ages"),
    [("fr", "Âge : 18 ans et plus."), ("en", "Ages 18 and up.")],
)
async def test_who_it_is_for_gives_the_ages_of_the_record(
    make_tracker, dispatcher, domain, demo_services, demo_db, language, ages
):
    adults = demo_services[0]
    assert adults["minimum_age"] == 18 and adults.get("maximum_age") is None
    entities = [{"entity": "detail", "value": "eligibility"}, {"entity": "card", "value": "1"}]
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        "c'est pour les adultes?",
        entities,
        [page([adults], language)],
        language,
    )
    record = lookup.services_by_id([adults["id"]], language)[adults["id"]]
    value = f"{record['eligibility_description']} {ages}"
    label = t("dialogue.details.eligibility", language)
    assert messages[0]["text"].splitlines()[1] == t(
        "dialogue.details.line", language, label=label, value=value
    )


def test_ages_up_to_and_between():
    card = {"index": 1}
    assert fact("eligibility", {"maximum_age": 30.0}, card, "fr", NOW) == "Âge : jusqu'à 30 ans."
    both = {"minimum_age": 16, "maximum_age": 35, "eligibility_description": "Jeunes."}
    assert fact("eligibility", both, card, "en", NOW) == "Jeunes. Ages 16 to 35."


def _at(*kinds: tuple[str, str | None]) -> dict[str, Any]:
    return {
        "service_at_locations": [
            {"location": {"location_type": kind, "url": url}} for kind, url in kinds
        ]
    }


@pytest.mark.parametrize(
    ("service", "fr", "en"),
    [
        (
            _at(("physical", None)),
            "Sur place, au 1 rue Principale, Laval. Aucun service en ligne indiqué.",
            "In person, at 1 rue Principale, Laval. No online service listed.",
        ),
        (
            _at(("virtual", "https://example.org/rdv")),
            "En ligne (https://example.org/rdv).",
            "Online (https://example.org/rdv).",
        ),
        (
            _at(("physical", None), ("virtual", None)),
            "En ligne. Sur place, au 1 rue Principale, Laval.",
            "Online. In person, at 1 rue Principale, Laval.",
        ),
        (
            {**_at(("physical", None)), "url": "https://example.org"},
            "Sur place, au 1 rue Principale, Laval. Aucun service en ligne indiqué."
            " Site web : https://example.org",
            "In person, at 1 rue Principale, Laval. No online service listed."
            " Website: https://example.org",
        ),
        ({}, "", ""),
    ],
)
def test_online_or_in_person_from_the_places(service, fr, en):
    card = {"index": 1, "address": "1 rue Principale, Laval"}
    assert fact("online", service, card, "fr", NOW) == fr
    assert fact("online", service, card, "en", NOW) == en


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_is_it_online_answers_in_person_at_the_address(
    make_tracker, dispatcher, domain, demo_services, language
):
    entities = [{"entity": "detail", "value": "online"}]
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        "is it online or in person?",
        entities,
        [page(demo_services[:2], language)],
        language,
    )
    text_ = messages[0]["text"]
    assert text_.count(t("dialogue.details.online_not_listed", language)) == 2
    assert t("dialogue.details.in_person_at", language, address="1 rue Principale, Laval") in text_


# --- confidentiality: 211 and this conversation, once ------------------------------------------


@pytest.mark.parametrize(
    ("language", "channel", "notice"),
    [
        ("fr", "socketio", "widget.ui.privacy_notice"),
        ("en", "twilio_sms", "privacy.notice.sms"),
        ("fr", "rest", "privacy.page.intro"),
    ],
)
async def test_is_this_confidential_after_the_cards(
    make_tracker, dispatcher, domain, demo_services, language, channel, notice
):
    entities = [{"entity": "detail", "value": "confidential"}]
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        "c'est tu confidentiel?",
        entities,
        [page(demo_services[:3], language)],
        language,
        channel=channel,
    )
    assert [m["text"] for m in messages] == [
        "\n".join([t("dialogue.details.confidential", language), t(notice, language)])
    ]


async def test_is_this_confidential_before_any_card(make_tracker, dispatcher, domain):
    entities = [{"entity": "detail", "value": "confidential"}]
    messages = await ask(make_tracker, dispatcher, domain, "is this confidential?", entities, [])
    assert messages[0]["text"] == confidential_answer("fr")
    assert "response" not in messages[0] or messages[0]["response"] is None


async def test_confidentiality_with_another_detail_comes_after_the_cards(
    make_tracker, dispatcher, domain, demo_services
):
    entities = [
        {"entity": "detail", "value": "fees"},
        {"entity": "detail", "value": "confidential"},
    ]
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        "c'est gratuit pis confidentiel?",
        entities,
        [page(demo_services[:2])],
    )
    parts = messages[0]["text"].split("\n\n")
    # both are free in the demo directory: said once for the two
    assert parts[0].splitlines()[0] == t("dialogue.details.all_cards", "fr", numbers="1, 2")
    assert parts[1] == confidential_answer("fr")


# --- picking among every card shown for the need, every page ------------------------------------


def _two_pages(services: list[dict], language: str = "fr") -> list[dict]:
    return [
        page(services[:3], language),
        said("en as-tu d'autres?"),
        page(services[3:], language, first=4, page_number=2),
    ]


def test_shown_cards_are_every_page_of_the_need(demo_services):
    events = [
        page(demo_services[3:], need="food"),  # an earlier search of the same need
        said("pis pour le logement?"),
        page(demo_services[:1], need="housing"),
        said("de la bouffe encore"),
        *_two_pages(demo_services),
    ]
    assert [c["index"] for c in latest_cards(events)] == [4, 5, 6]
    shown = shown_cards(events)
    assert [(c["index"], c["service_id"]) for c in shown] == [
        (i, s["id"]) for i, s in enumerate(demo_services, start=1)
    ]
    assert {c["need"] for c in shown} == {"food"}


def test_shown_cards_of_two_needs_keep_the_main_need_first(demo_services):
    events = [
        page(demo_services[:2], need="family"),
        page(demo_services[2:4], need="income"),
        said("d'autres?"),
        page(demo_services[4:5], first=3, need="family", page_number=2),
        page(demo_services[5:], first=3, need="income", page_number=2),
    ]
    shown = shown_cards(events)
    assert [(c["need"], c["index"]) for c in shown] == [
        ("family", 1),
        ("family", 2),
        ("family", 3),
        ("income", 1),
        ("income", 2),
        ("income", 3),
    ]


@pytest.mark.parametrize(
    ("language", "question"), [("fr", "lequel est ouvert demain?"), ("en", "which one is free?")]
)
async def test_which_one_looks_at_every_page(
    make_tracker, dispatcher, domain, demo_services, language, question
):
    entities = [{"entity": "detail", "value": "hours"}, {"entity": "card", "value": "which"}]
    messages = await ask(
        make_tracker,
        dispatcher,
        domain,
        question,
        entities,
        _two_pages(demo_services, language),
        language,
    )
    text_ = messages[0]["text"]
    for title in titles(demo_services, language):
        assert title in text_


async def test_a_question_about_each_card_stays_on_the_last_page(
    make_tracker, dispatcher, domain, demo_services
):
    entities = [{"entity": "detail", "value": "fees"}]
    messages = await ask(
        make_tracker, dispatcher, domain, "c'est gratuit?", entities, _two_pages(demo_services)
    )
    text_ = messages[0]["text"]
    assert all(title not in text_ for title in titles(demo_services[:3], "fr"))
    # the page shown last, 4 to 6, all free in the demo directory: said once
    assert text_.splitlines()[0] == t("dialogue.details.all_cards", "fr", numbers="4, 5, 6")


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_the_nearest_of_every_page(make_tracker, dispatcher, domain, demo_services, language):
    events = [
        page(demo_services[:3], language, distances=[2.0, 0.3, 4.0]),
        said("en as-tu d'autres?"),
        page(demo_services[3:], language, first=4, page_number=2, distances=[5.0, 6.0, 7.0]),
    ]
    entities = [{"entity": "detail", "value": "address"}, {"entity": "card", "value": "nearest"}]
    messages = await ask(
        make_tracker, dispatcher, domain, "c'est où le plus proche?", entities, events, language
    )
    lines = messages[0]["text"].splitlines()
    assert lines[0] == titles(demo_services, language)[1]
    assert lines[-1] == t("dialogue.details.nearest_of_shown", language)


def test_the_nearest_is_of_the_need_named_else_of_each_need_shown():
    cards = [
        {"index": 1, "need": "family", "distance_km": 2.0},
        {"index": 2, "need": "family", "distance_km": 1.5},
        {"index": 1, "need": "income", "distance_km": 0.4},
    ]
    assert chosen_cards(cards, "nearest") == [cards[1], cards[2]], "each need's, main first"
    assert chosen_cards(cards, "nearest", ("income",)) == [cards[2]]
    assert chosen_cards(cards, "nearest", ("housing",)) == [cards[1], cards[2]], "not shown"
    assert chosen_cards(cards, "which", ("income",)) == [cards[2]]
    assert chosen_cards(cards, "which") == cards
    assert chosen_cards(cards, "1", ("income",)) == [cards[2]], "le 1er pour l'argent"


async def test_anything_closer_after_two_needs_names_the_nearest_of_each_main_first(
    make_tracker, dispatcher, domain, demo_services
):
    """After diapers (family) then income cards, the family card comes first; the income one
    follows, and the answer says each is its need's closest, not the closest of all."""
    events = [
        page(demo_services[:3], need="family", distances=[3.0, 2.0, 4.0]),
        page(demo_services[3:], need="income", distances=[0.5, 0.9, 1.2]),
    ]
    entities = [{"entity": "card", "value": "nearest"}]
    messages = await ask(
        make_tracker, dispatcher, domain, "y a tu qqch plus proche?", entities, events
    )
    lines = messages[0]["text"].splitlines()
    assert lines[0] == titles(demo_services, "fr")[1]
    assert titles(demo_services[3:], "fr")[0] in lines
    assert lines[-1] == t("dialogue.details.nearest_of_each_need", "fr")
    named = [*entities, {"entity": "need", "value": "income"}]
    dispatcher.messages.clear()
    messages = await ask(
        make_tracker, dispatcher, domain, "plus proche pour l'argent?", named, events
    )
    lines = messages[0]["text"].splitlines()
    assert lines[0] == titles(demo_services[3:], "fr")[0]
    assert lines[-1] == t("dialogue.details.nearest_of_shown", "fr")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_same_fact_of_every_card_is_said_once(language):
    now = datetime(2026, 3, 10, 10, 0, tzinfo=formats.TZ)
    cards = [{"index": i, "service_id": f"s{i}", "name": f"Service {i}"} for i in (1, 2, 3)]
    free = {f"s{i}": {"id": f"s{i}", "fees_description": "Free"} for i in (1, 2, 3)}
    question = Question.from_entities([{"entity": "detail", "value": "fees"}])
    text_ = reply(question, cards, free, language, now)
    assert text_.splitlines()[0] == t("dialogue.details.all_cards", language, numbers="1, 2, 3")
    assert len(text_.splitlines()) == 2
    # one differs: each card its own answer
    paid = {**free, "s3": {"id": "s3", "fees_description": "5 $"}}
    text_ = reply(question, cards, paid, language, now)
    assert t("dialogue.details.all_cards", language, numbers="1, 2, 3") not in text_
    assert "5 $" in text_ and text_.count("Free") == 2


SHOWN_BY_NAME = [
    {"index": 1, "organization": "Comité logement de Verdun", "name": "Aide au logement"},
    {"index": 2, "organization": "Comité logement du Sud-Ouest", "name": "Aide au logement"},
    {"index": 3, "organization": "Habitat solidaire Verdun", "name": "Aide au logement"},
    {"index": 1, "organization": "Le Panier solidaire de Verdun", "name": "Dépannage alimentaire"},
    {"index": 2, "organization": "Maison des familles de Verdun", "name": "Dépannage alimentaire"},
]


@pytest.mark.parametrize(
    ("question", "named"),
    [
        # a tester: answered for all six cards
        ("est-ce que le comité logement est ouvert samedi?", [0, 1]),
        ("le panier solidaire ferme à quelle heure?", [3]),
        ("la maison des familles c'est où?", [4]),
        # no name said: every card
        ("ils sont ouverts samedi?", []),
        ("c'est gratuit pour les familles?", []),
        ("est-ce qu'ils offrent de l'aide pour des meubles?", []),
    ],
)
def test_a_card_named_by_its_name(question, named):
    assert named_cards(SHOWN_BY_NAME, question) == [SHOWN_BY_NAME[i] for i in named]


def test_a_card_named_among_cards_of_one_need():
    """Housing cards only, "logement" in every service's name: the organizations tell them
    apart (the running assistant answered for all three)."""
    housing = SHOWN_BY_NAME[:3]
    asked = "est-ce que le comité logement est ouvert samedi?"
    assert named_cards(housing, asked) == housing[:2]


# --- a question whose topic the services' own words name --------------------------------------


@pytest.fixture(scope="module")
def budget_and_food(demo_db: str) -> list[dict]:
    """A budget, debt and taxes service, then a food bank (French records)."""
    engine = create_engine_from_url(demo_db)
    with engine.connect() as conn:
        ids = [
            conn.execute(
                text(f"select id from service where name like '{like}' order by id")
            ).first()[0]  # type: ignore[index]
            for like in ("Budget%", "Dépannage alimentaire%")
        ]
        found = [get_service(conn, service_id) for service_id in ids]
    engine.dispose()
    return found


@pytest.mark.parametrize(
    ("language", "question"),
    [
        # a tester: "the same resources as above" under "Budget, debt and taxes"
        ("en", "do they help with taxes too?"),
        ("fr", "est-ce qu'ils font les impôts aussi?"),
    ],
)
async def test_a_topic_the_service_names_is_answered_from_the_directory(
    make_tracker, dispatcher, domain, budget_and_food, language, question
):
    messages = await ask(
        make_tracker, dispatcher, domain, question, [], [page(budget_and_food, language)], language
    )
    (answer,) = messages
    lines = answer["text"].splitlines()
    assert lines[0] == t("dialogue.details.described_intro", language)
    # the budget service only: the food bank says nothing of taxes
    assert len(lines) == 2 and lines[1].startswith(titles(budget_and_food, language)[0])
