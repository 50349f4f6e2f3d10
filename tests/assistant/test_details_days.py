"""Which of the cards are open on a day: "lequel est ouvert demain?", "which ones are open now?".

A tester after three food banks near Verdun asked "lequel est ouvert demain?" and got every
card's weekly hours, each "Fermé en ce moment — ouvre …": the question was not answered. The
answer now lists the cards open that day with their hours then, one line for the others with
when each opens next, or says plainly that none is. Every test passes its own `now`.
"""

from __future__ import annotations

import functools
from datetime import datetime, tzinfo
from typing import Any

import pytest
from sqlalchemy import text

import actions.details
import bot.directory.lookup as lookup
from actions.details import ActionServiceDetails
from bot.dialogue import results
from bot.dialogue.details import (
    DAY_ENTITY,
    Question,
    card_answer,
    day_answer,
    day_window,
    reply,
)
from bot.directory.store import create_engine_from_url, get_service
from bot.texts import formats, t
from tests.assistant.conftest import FakeHit

MEAL = [{"byday": "MO,TU,WE,TH,FR", "opens_at": "11:30", "closes_at": "13:30"}]
OFFICE = [{"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"}]
FOOD_BANK = [
    {"byday": "TU,TH", "opens_at": "13:00", "closes_at": "16:00"},
    {"byday": "SA", "opens_at": "09:30", "closes_at": "12:00"},
]
SHELTER = [
    {
        "byday": "MO,TU,WE,TH,FR,SA,SU",
        "opens_at": "19:00",
        "closes_at": "08:00",
        "x_open_on_holidays": True,
    }
]
ALWAYS = [{"byday": "MO,TU,WE,TH,FR,SA,SU", "opens_at": "00:00", "closes_at": "24:00"}]

SUNDAY = datetime(2026, 3, 8, 15, 0, tzinfo=formats.TZ)
"""Sunday afternoon: the tester's "ouvre demain à 9 h", "ouvre mardi à 13 h"."""
MONDAY_NOON = datetime(2026, 3, 9, 12, 0, tzinfo=formats.TZ)
BEFORE_LABOUR_DAY = datetime(2026, 9, 6, 15, 0, tzinfo=formats.TZ)
"""Sunday; Monday September 7, 2026 is Labour Day, a Québec statutory holiday."""


def shown(*schedules: list[dict], phones: bool = True) -> tuple[list[dict], dict[str, dict]]:
    """Cards numbered from 1, each for a service with these schedules ([]: no hours)."""
    cards = [
        {
            "index": index,
            "name": f"Dépannage {index}",
            "service_id": f"s{index}",
            "phone": f"514-555-010{index}" if phones else None,
            "need": "food",
        }
        for index in range(1, len(schedules) + 1)
    ]
    services = {f"s{i}": {"schedules": rows} for i, rows in enumerate(schedules, start=1)}
    return cards, services


def title(index: int, language: str = "fr") -> str:
    return t("dialogue.details.card", language, index=index, name=f"Dépannage {index}")


def line(index: int, value: str, language: str = "fr") -> str:
    return t("dialogue.details.line", language, label=title(index, language), value=value)


def which(day: str | None) -> Question:
    return Question(("hours",), "which", day=day)


# --- the tester's question ----------------------------------------------------------------------


def test_which_one_is_open_tomorrow_lists_those_open_then_the_others():
    cards, services = shown(MEAL, OFFICE, FOOD_BANK)
    answer = reply(which("tomorrow"), cards, services, "fr", SUNDAY)
    assert answer.splitlines() == [
        "Ouvert demain :",
        "1. Dépannage 1 : 11 h 30 – 13 h 30",
        "2. Dépannage 2 : 9 h – 17 h",
        "Pas ouvert demain : 3. Dépannage 3 (ouvre mardi à 13 h).",
    ]


def test_which_one_is_open_tomorrow_in_english():
    cards, services = shown(MEAL, OFFICE, FOOD_BANK)
    answer = reply(which("tomorrow"), cards, services, "en", SUNDAY)
    assert answer.splitlines() == [
        "Open tomorrow:",
        "1. Dépannage 1: 11:30 a.m.–1:30 p.m.",
        "2. Dépannage 2: 9 a.m.–5 p.m.",
        "Not open tomorrow: 3. Dépannage 3 (opens Tuesday at 1 p.m.).",
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "Ouvert samedi 14 mars :",
                "3. Dépannage 3 : 9 h 30 – midi",
                "Pas ouvert samedi 14 mars : 1. Dépannage 1 (ouvre demain à 11 h 30) ;"
                " 2. Dépannage 2 (ouvre demain à 9 h).",
            ],
        ),
        (
            "en",
            [
                "Open on Saturday, March 14:",
                "3. Dépannage 3: 9:30 a.m.–noon",
                "Not open on Saturday, March 14: 1. Dépannage 1 (opens tomorrow at 11:30 a.m.);"
                " 2. Dépannage 2 (opens tomorrow at 9 a.m.).",
            ],
        ),
    ],
)
def test_which_one_is_open_on_saturday(language, expected):
    cards, services = shown(MEAL, OFFICE, FOOD_BANK)
    assert reply(which("saturday"), cards, services, language, SUNDAY).splitlines() == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "Ouvert en ce moment :",
                "1. Dépannage 1 : 11 h 30 – 13 h 30",
                "2. Dépannage 2 : 9 h – 17 h",
                "Pas ouvert en ce moment : 3. Dépannage 3 (ouvre demain à 13 h).",
            ],
        ),
        (
            "en",
            [
                "Open right now:",
                "1. Dépannage 1: 11:30 a.m.–1:30 p.m.",
                "2. Dépannage 2: 9 a.m.–5 p.m.",
                "Not open right now: 3. Dépannage 3 (opens tomorrow at 1 p.m.).",
            ],
        ),
    ],
)
def test_which_ones_are_open_now(language, expected):
    cards, services = shown(MEAL, OFFICE, FOOD_BANK)
    assert reply(which("now"), cards, services, language, MONDAY_NOON).splitlines() == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "Aucune des ressources que je vous ai montrées n'est ouverte en ce moment."
                " Voici quand chacune ouvre :",
                "1. Dépannage 1 : ouvre demain à 11 h 30",
                "2. Dépannage 2 : ouvre demain à 9 h",
                "3. Dépannage 3 : ouvre mardi à 13 h",
            ],
        ),
        (
            "en",
            [
                "None of the resources I showed you is open right now. Here's when each one opens:",
                "1. Dépannage 1: opens tomorrow at 11:30 a.m.",
                "2. Dépannage 2: opens tomorrow at 9 a.m.",
                "3. Dépannage 3: opens Tuesday at 1 p.m.",
            ],
        ),
    ],
)
def test_none_open_now_says_so_with_each_next_opening(language, expected):
    cards, services = shown(MEAL, OFFICE, FOOD_BANK)
    assert reply(which("now"), cards, services, language, SUNDAY).splitlines() == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "Ouvert en fin de semaine :",
                "3. Dépannage 3 : sam. 9 h 30 – midi",
                "4. Dépannage 4 : sam. 19 h – 8 h, dim. 19 h – 8 h",
                "Pas ouvert en fin de semaine : 1. Dépannage 1 (ouvre aujourd'hui à 11 h 30) ;"
                " 2. Dépannage 2 (ouvre aujourd'hui à 9 h).",
            ],
        ),
        (
            "en",
            [
                "Open on the weekend:",
                "3. Dépannage 3: Sat 9:30 a.m.–noon",
                "4. Dépannage 4: Sat 7 p.m.–8 a.m., Sun 7 p.m.–8 a.m.",
                "Not open on the weekend: 1. Dépannage 1 (opens today at 11:30 a.m.);"
                " 2. Dépannage 2 (opens today at 9 a.m.).",
            ],
        ),
    ],
)
def test_which_ones_are_open_on_the_weekend_say_which_day(language, expected):
    """ "Open on weekends?" asked on a Monday morning: the coming Saturday and Sunday, each
    opening with its day, as a shelter's nights are two."""
    cards, services = shown(MEAL, OFFICE, FOOD_BANK, SHELTER)
    monday_morning = MONDAY_NOON.replace(hour=7)
    answer = reply(which("weekend"), cards, services, language, monday_morning)
    assert answer.splitlines() == expected


def test_on_a_weekend_the_weekend_is_what_is_left_of_it():
    cards, services = shown(MEAL, FOOD_BANK)
    saturday_afternoon = datetime(2026, 3, 14, 15, 0, tzinfo=formats.TZ)
    assert reply(which("weekend"), cards, services, "fr", saturday_afternoon).splitlines() == [
        "Aucune des ressources que je vous ai montrées n'est ouverte en fin de semaine."
        " Voici quand chacune ouvre :",
        "1. Dépannage 1 : ouvre lundi à 11 h 30",
        "2. Dépannage 2 : ouvre mardi à 13 h",
    ]


def test_a_weekday_that_is_today_is_the_rest_of_today():
    cards, services = shown(MEAL, OFFICE, FOOD_BANK)
    assert reply(which("sunday"), cards, services, "fr", SUNDAY).splitlines()[0] == (
        "Aucune des ressources que je vous ai montrées n'est ouverte aujourd'hui."
        " Voici quand chacune ouvre :"
    )
    at_two = MONDAY_NOON.replace(hour=14)  # the meal closed at 13 h 30
    answer = reply(which("monday"), cards, services, "fr", at_two).splitlines()
    assert answer[:2] == ["Ouvert aujourd'hui :", line(2, "9 h – 17 h")]
    assert answer[2] == (
        "Pas ouvert aujourd'hui : 1. Dépannage 1 (ouvre demain à 11 h 30) ;"
        " 3. Dépannage 3 (ouvre demain à 13 h)."
    )


def test_tonight_starts_in_the_evening():
    cards, services = shown(OFFICE, SHELTER)
    answer = reply(which("tonight"), cards, services, "en", MONDAY_NOON).splitlines()
    assert answer == [
        "Open tonight:",
        "2. Dépannage 2: 7 p.m.–8 a.m.",
        "Not open tonight: 1. Dépannage 1 (but open right now).",
    ]


def test_a_night_shelter_shows_that_nights_hours_and_a_whole_day_is_24_hours():
    cards, services = shown(SHELTER, ALWAYS)
    assert reply(which("tomorrow"), cards, services, "fr", SUNDAY).splitlines() == [
        "Ouvert demain :",
        line(1, "19 h – 8 h"),
        line(2, "24 h sur 24"),
    ]
    # at 2 a.m. the shelter is open from the night before
    night = datetime(2026, 3, 9, 2, 0, tzinfo=formats.TZ)
    assert reply(which("now"), cards, services, "fr", night).splitlines()[1] == line(
        1, "19 h – 8 h"
    )


# --- holidays, unknown hours, one card ----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "Aucune des ressources que je vous ai montrées n'est ouverte demain."
                " Voici quand chacune ouvre :",
                "1. Dépannage 1 : ouvre mardi à 11 h 30",
                "2. Dépannage 2 : ouvre mardi à 9 h",
                "À noter : lundi 7 septembre, c'est un jour férié."
                " Les heures peuvent changer, appelez pour confirmer.",
            ],
        ),
        (
            "en",
            [
                "None of the resources I showed you is open tomorrow. Here's when each one opens:",
                "1. Dépannage 1: opens Tuesday at 11:30 a.m.",
                "2. Dépannage 2: opens Tuesday at 9 a.m.",
                "Note: Monday, September 7 is a statutory holiday."
                " Hours may change, so call to confirm.",
            ],
        ),
    ],
)
def test_nothing_opens_on_a_statutory_holiday(language, expected):
    cards, services = shown(MEAL, OFFICE)
    answer = reply(which("tomorrow"), cards, services, language, BEFORE_LABOUR_DAY)
    assert answer.splitlines() == expected


def test_a_service_open_on_holidays_is_open_on_labour_day():
    cards, services = shown(MEAL, SHELTER)
    answer = reply(which("monday"), cards, services, "fr", BEFORE_LABOUR_DAY).splitlines()
    assert answer[:3] == [
        "Ouvert lundi 7 septembre :",
        line(2, "19 h – 8 h"),
        "Pas ouvert lundi 7 septembre : 1. Dépannage 1 (ouvre mardi à 11 h 30).",
    ]
    assert answer[3].startswith("À noter : lundi 7 septembre, c'est un jour férié.")


def test_a_card_without_hours_is_neither_open_nor_closed():
    cards, services = shown(OFFICE, [], FOOD_BANK)
    cards[1]["phone"] = None
    answer = reply(which("tomorrow"), cards, services, "fr", SUNDAY).splitlines()
    assert answer == [
        "Ouvert demain :",
        line(1, "9 h – 17 h"),
        "Pas ouvert demain : 3. Dépannage 3 (ouvre mardi à 13 h).",
        t("dialogue.details.day.hours_unknown", "fr"),
        t("dialogue.details.no_phone_of", "fr", card=title(2)),
    ]
    # none open and one unknown: not "none of them is open"
    cards, services = shown(FOOD_BANK, [])
    answer = reply(which("tomorrow"), cards, services, "en", SUNDAY).splitlines()
    assert answer == [
        "Not open tomorrow: 1. Dépannage 1 (opens Tuesday at 1 p.m.).",
        t("dialogue.details.day.hours_unknown", "en"),
        t("dialogue.details.phone_of", "en", card=title(2, "en"), phone="514-555-0102"),
    ]


def test_one_card_not_open_that_day():
    cards, services = shown(FOOD_BANK)
    question = Question(("hours",), None, day="tomorrow")
    assert reply(question, cards, services, "fr", SUNDAY).splitlines() == [
        "Cette ressource n'est pas ouverte demain.",
        "1. Dépannage 1 : ouvre mardi à 13 h",
    ]


# --- when the answer is by day, and when it is not ----------------------------------------------


def test_without_a_day_each_card_keeps_its_weekly_hours():
    cards, services = shown(MEAL, OFFICE, FOOD_BANK)
    answer = reply(which(None), cards, services, "fr", SUNDAY)
    assert answer == "\n\n".join(
        card_answer(card, services[card["service_id"]], ("hours",), "fr", SUNDAY) for card in cards
    )
    assert "Ouvert demain" not in answer


def test_a_card_named_is_answered_for_that_day():
    cards, services = shown(MEAL, OFFICE, FOOD_BANK)
    question = Question(("hours",), "2", day="tomorrow")
    assert question.asks_open_on_a_day
    answer = reply(question, cards[1:2], services, "fr", SUNDAY)
    assert answer == day_answer("tomorrow", cards[1:2], services, "fr", SUNDAY)
    assert answer.splitlines()[0] == "Ouvert demain :"
    closed = reply(Question(("hours",), "2", day="saturday"), cards[1:2], services, "en", SUNDAY)
    assert closed.splitlines()[0] == "This resource isn't open on Saturday, March 14."
    assert "opens" in closed.splitlines()[1]


def test_a_day_without_hours_asked_is_not_a_question_of_openings():
    assert not Question(("fees",), "which", day="tomorrow").asks_open_on_a_day
    assert Question(("hours",), None, day="now").asks_open_on_a_day
    assert Question(("hours", "fees"), "which", day="saturday").asks_open_on_a_day


def test_other_details_asked_follow_per_card():
    cards, services = shown(MEAL, FOOD_BANK)
    services["s1"]["fees_description"] = "Gratuit."
    question = Question(("hours", "fees"), "which", day="tomorrow")
    parts = reply(question, cards, services, "fr", SUNDAY).split("\n\n")
    assert parts[0] == day_answer("tomorrow", cards, services, "fr", SUNDAY)
    assert parts[1].splitlines()[:2] == [title(1), "Frais : Gratuit."]
    assert len(parts) == 3 and "Heures" not in parts[1] + parts[2]


def test_the_day_is_read_from_its_entity():
    entities = [
        {"entity": "detail", "value": "hours"},
        {"entity": "card", "value": "which"},
        {"entity": DAY_ENTITY, "value": "saturday"},
    ]
    assert Question.from_entities(entities) == Question(("hours",), "which", day="saturday")
    unknown = [*entities[:2], {"entity": DAY_ENTITY, "value": "someday"}]
    assert Question.from_entities(unknown).day is None


def test_day_windows():
    def local(moment: datetime, zone: tzinfo = formats.TZ) -> tuple[int, int, int, int]:
        moment = moment.astimezone(zone)
        return moment.month, moment.day, moment.hour, moment.minute

    assert [local(m) for m in day_window("now", SUNDAY)] == [(3, 8, 15, 0)] * 2
    assert [local(m) for m in day_window("today", SUNDAY)] == [(3, 8, 15, 0), (3, 9, 0, 0)]
    assert [local(m) for m in day_window("tonight", SUNDAY)] == [(3, 8, 18, 0), (3, 9, 0, 0)]
    late = SUNDAY.replace(hour=21)
    assert [local(m) for m in day_window("tonight", late)] == [(3, 8, 21, 0), (3, 9, 0, 0)]
    assert [local(m) for m in day_window("tomorrow", SUNDAY)] == [(3, 9, 0, 0), (3, 10, 0, 0)]
    assert [local(m) for m in day_window("saturday", SUNDAY)] == [(3, 14, 0, 0), (3, 15, 0, 0)]
    assert [local(m) for m in day_window("sunday", SUNDAY)] == [(3, 8, 15, 0), (3, 9, 0, 0)]
    assert [local(m) for m in day_window("weekend", SUNDAY)] == [(3, 8, 15, 0), (3, 9, 0, 0)]
    assert [local(m) for m in day_window("weekend", MONDAY_NOON)] == [(3, 14, 0, 0), (3, 16, 0, 0)]
    friday_night = datetime(2026, 3, 13, 23, 0, tzinfo=formats.TZ)
    assert [local(m) for m in day_window("weekend", friday_night)] == [
        (3, 14, 0, 0),
        (3, 16, 0, 0),
    ]


# --- through the action, with the demo directory -------------------------------------------------


SHAPES = {
    "meal": [("MO,TU,WE,TH,FR", "11:30", "13:30")],
    "office": [("MO,TU,WE,TH,FR", "09:00", "17:00")],
    "food_bank": [("TU,TH", "13:00", "16:00"), ("SA", "09:30", "12:00")],
}


@pytest.fixture(scope="module")
def food_banks(demo_db: str) -> dict[str, dict]:
    """A demo service of each of the tester's three schedules."""
    engine = create_engine_from_url(demo_db)
    found: dict[str, dict] = {}
    with engine.connect() as conn:
        ids = [row[0] for row in conn.execute(text("select id from service order by id"))]
        for service_id in ids:
            record = get_service(conn, service_id)
            rows = [
                (r.get("byday"), r.get("opens_at"), r.get("closes_at"))
                for r in record.get("schedules") or []
            ]
            for shape, wanted in SHAPES.items():
                if rows == wanted and shape not in found:
                    found[shape] = record
            if len(found) == len(SHAPES):
                break
    engine.dispose()
    assert set(found) == set(SHAPES)
    return found


@pytest.fixture(autouse=True)
def directory(monkeypatch: pytest.MonkeyPatch, demo_db: str) -> None:
    monkeypatch.setattr(
        lookup, "services_by_id", functools.partial(lookup.services_by_id, database_url=demo_db)
    )


def clock_at(monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    class Fixed(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return now.astimezone(tz)

    monkeypatch.setattr(actions.details, "datetime", Fixed)


def results_page(services: list[dict], language: str) -> dict[str, Any]:
    cards = [
        results.service_card(
            FakeHit(service_id=s["id"], name=s["name"], phone="514-555-0100"),
            index,
            language,
            SUNDAY,
        )
        for index, s in enumerate(services, start=1)
    ]
    payload = results.results_payload(
        need="food", language=language, page=1, more=True, place_label="Verdun", cards=cards
    )
    return {"event": "bot", "text": None, "data": {"custom": payload}}


@pytest.mark.parametrize(
    ("language", "question", "day", "first", "open_", "closed"),
    [
        ("fr", "lequel est ouvert demain?", "tomorrow", "Ouvert demain :", [1, 2], [3]),
        (
            "en",
            "which one is open on Saturday?",
            "saturday",
            "Open on Saturday, March 14:",
            [3],
            [1, 2],
        ),
        (
            "fr",
            "y en a tu un ouvert le dimanche?",
            "sunday",
            "Aucune des ressources que je vous ai montrées n'est ouverte aujourd'hui."
            " Voici quand chacune ouvre :",
            [],
            [1, 2, 3],
        ),
    ],
)
async def test_the_action_answers_which_cards_are_open_that_day(
    make_tracker,
    dispatcher,
    domain,
    food_banks,
    monkeypatch,
    language,
    question,
    day,
    first,
    open_,
    closed,
):
    clock_at(monkeypatch, SUNDAY)
    services = [food_banks["meal"], food_banks["office"], food_banks["food_bank"]]
    entities = [
        {"entity": "detail", "value": "hours"},
        {"entity": "card", "value": "which"},
        {"entity": DAY_ENTITY, "value": day},
    ]
    tracker = make_tracker(
        question,
        "ask_service_details",
        slots={"language": language},
        entities=entities,
        events=[results_page(services, language)],
    )
    tracker.events.append(tracker.events.pop(1))  # the question comes after the cards
    assert await ActionServiceDetails().run(dispatcher, tracker, domain) == []
    (message,) = dispatcher.messages
    lines = message["text"].splitlines()
    names = {i: s["name"] for i, s in enumerate(services, start=1)}
    assert lines[0] == first
    if not open_:
        assert [int(line.split(".", 1)[0]) for line in lines[1:]] == closed
        return
    assert [int(line.split(".", 1)[0]) for line in lines[1:-1]] == open_
    items = (
        lines[-1].split(":", 1)[1].strip(" .").split(t("dialogue.details.day.separator", language))
    )
    assert [item.split(" (")[0] for item in items] == [f"{i}. {names[i]}" for i in closed]


@pytest.mark.parametrize(
    ("language", "status"), [("fr", "(mais ouvert en ce moment)"), ("en", "(but open right now)")]
)
def test_a_card_open_now_but_not_on_the_day_asked_says_but(language, status):
    """A tester on a weekday, about Saturday: "Pas ouvert samedi : … (ouvert en ce moment)"
    read as a contradiction."""
    cards, services = shown(OFFICE, FOOD_BANK)
    answer = reply(which("saturday"), cards, services, language, MONDAY_NOON)
    assert answer.splitlines()[-1].endswith(f"{status}.")


def test_a_card_open_now_listed_alone_under_none_open_needs_no_but():
    cards, services = shown(OFFICE)
    answer = reply(which("saturday"), cards, services, "fr", MONDAY_NOON)
    assert answer.splitlines()[-1] == line(1, "ouvert en ce moment")
