"""Opening hours over HSDS schedule rows: weekdays, holidays, overnight, DST, exceptions."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.directory import needs as N
from bot.directory.schedules import (
    OPEN_ON_HOLIDAYS_TERM_ID,
    NaiveDatetimeError,
    describe_hours,
    describe_span,
    flag_holiday_openings,
    is_holiday,
    is_open,
    next_opening,
    openings_between,
)

MTL = ZoneInfo("America/Montreal")
WEEKDAYS = [
    {"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"}
]
OVERNIGHT = [
    {
        "freq": "WEEKLY",
        "byday": "MO,TU,WE,TH,FR,SA,SU",
        "opens_at": "20:00",
        "closes_at": "08:00",
        "x_open_on_holidays": True,
    }
]
ALWAYS = [
    {
        "freq": "WEEKLY",
        "byday": "MO,TU,WE,TH,FR,SA,SU",
        "opens_at": "00:00",
        "closes_at": "24:00",
        "x_open_on_holidays": "true",
    }
]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=MTL)


def test_weekday_business_hours():
    assert is_open(WEEKDAYS, at(2026, 6, 23, 9, 0))  # Tuesday, opening minute
    assert is_open(WEEKDAYS, at(2026, 6, 23, 16, 59))
    assert not is_open(WEEKDAYS, at(2026, 6, 23, 17, 0))  # closing time is excluded
    assert not is_open(WEEKDAYS, at(2026, 6, 23, 8, 59))
    assert not is_open(WEEKDAYS, at(2026, 6, 27, 12, 0))  # Saturday
    assert next_opening(WEEKDAYS, at(2026, 6, 23, 12, 0)) == at(2026, 6, 23, 12, 0)
    assert next_opening(WEEKDAYS, at(2026, 6, 22, 18, 0)) == at(2026, 6, 23, 9, 0)
    assert next_opening(WEEKDAYS, at(2026, 6, 26, 17, 30)) == at(2026, 6, 29, 9, 0)


def test_any_time_zone_is_accepted_and_naive_is_refused():
    noon_utc = datetime(2026, 6, 23, 16, 0, tzinfo=timezone.utc)  # 12:00 in Montréal
    assert is_open(WEEKDAYS, noon_utc)
    assert next_opening(WEEKDAYS, noon_utc).utcoffset().total_seconds() == -4 * 3600
    with pytest.raises(NaiveDatetimeError):
        is_open(WEEKDAYS, datetime(2026, 6, 23, 12, 0))
    with pytest.raises(NaiveDatetimeError):
        next_opening(WEEKDAYS, datetime(2026, 6, 23, 12, 0))


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 6, 24),
        date(2026, 12, 25),
        date(2026, 4, 3),
        date(2026, 7, 1),
        date(2026, 9, 7),
        date(2026, 10, 12),
        date(2026, 5, 18),
        date(2026, 1, 1),
    ],
)
def test_closed_on_quebec_statutory_holidays(day):
    assert is_holiday(day)
    assert day.weekday() < 5
    assert not is_open(WEEKDAYS, at(day.year, day.month, day.day, 11, 0))


def test_easter_monday_is_not_a_quebec_statutory_holiday():
    assert not is_holiday(date(2026, 4, 6))
    assert next_opening(WEEKDAYS, at(2026, 4, 2, 17, 30)) == at(2026, 4, 6, 9, 0)


def test_next_opening_across_long_weekends():
    # Labour Day weekend: Friday evening → Tuesday morning.
    assert next_opening(WEEKDAYS, at(2026, 9, 4, 17, 30)) == at(2026, 9, 8, 9, 0)
    # Christmas on a Friday: Thursday evening → Monday the 28th.
    assert next_opening(WEEKDAYS, at(2026, 12, 24, 18, 0)) == at(2026, 12, 28, 9, 0)
    # Fête nationale (Wednesday) → Thursday.
    assert next_opening(WEEKDAYS, at(2026, 6, 24, 8, 0)) == at(2026, 6, 25, 9, 0)


def test_holiday_open_services():
    assert is_open(ALWAYS, at(2026, 12, 25, 3, 0))
    assert is_open(OVERNIGHT, at(2026, 6, 24, 23, 0))
    closed_on_holidays = [{**OVERNIGHT[0], "x_open_on_holidays": False}]
    assert not is_open(closed_on_holidays, at(2026, 6, 24, 23, 0))
    # The night that started the day before the holiday still runs into the holiday morning.
    assert is_open(closed_on_holidays, at(2026, 6, 24, 7, 0))


def test_holiday_flag_from_hsds_attributes():
    row = {"id": "s1", **{k: v for k, v in OVERNIGHT[0].items() if k != "x_open_on_holidays"}}
    attribute = {
        "link_entity": "schedule",
        "link_id": "s1",
        "taxonomy_term_id": OPEN_ON_HOLIDAYS_TERM_ID,
    }
    christmas_night = at(2026, 12, 25, 22, 0)
    assert not is_open([row], christmas_night)
    assert is_open(flag_holiday_openings([row], [attribute]), christmas_night)
    nested = {
        **row,
        "attributes": [
            {"taxonomy_term": {"code": N.FLAG_OPEN_ON_HOLIDAYS, "taxonomy": N.FLAGS_TAXONOMY}}
        ],
    }
    assert is_open([nested], christmas_night)


def test_overnight_hours():
    assert is_open(OVERNIGHT, at(2026, 6, 23, 2, 0))  # started Monday 20:00
    assert is_open(OVERNIGHT, at(2026, 6, 23, 20, 0))
    assert not is_open(OVERNIGHT, at(2026, 6, 23, 12, 0))
    assert next_opening(OVERNIGHT, at(2026, 6, 23, 12, 0)) == at(2026, 6, 23, 20, 0)


def test_always_open():
    for hour in range(24):
        assert is_open(ALWAYS, at(2026, 3, 8, hour, 30) if hour != 2 else at(2026, 3, 8, 3, 0))
    assert describe_hours(ALWAYS, "fr") == "24 h sur 24, 7 jours sur 7"
    assert describe_hours(ALWAYS, "en") == "24/7"


def test_spring_forward_night_2026():
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT; the night lasts 11 hours, not 12.
    assert is_open(OVERNIGHT, datetime(2026, 3, 8, 7, 30, tzinfo=timezone.utc))  # 03:30 EDT
    assert is_open(OVERNIGHT, at(2026, 3, 8, 7, 59))
    assert not is_open(OVERNIGHT, at(2026, 3, 8, 8, 0))
    closing = datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)  # 08:00 EDT
    assert not is_open(OVERNIGHT, closing)
    assert is_open(OVERNIGHT, datetime(2026, 3, 8, 11, 59, tzinfo=timezone.utc))
    # An opening inside the missing hour happens at 03:30 EDT.
    gap = [{"byday": "SU", "opens_at": "02:30", "closes_at": "05:00"}]
    assert next_opening(gap, at(2026, 3, 8, 0, 0)) == datetime(
        2026, 3, 8, 7, 30, tzinfo=timezone.utc
    )


def test_fall_back_night_2026():
    # 1 November 2026: 02:00 EDT falls back to 01:00 EST; the night lasts 13 hours.
    first_130 = datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)  # 01:30 EDT
    second_130 = datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc)  # 01:30 EST
    assert is_open(OVERNIGHT, first_130) and is_open(OVERNIGHT, second_130)
    assert is_open(OVERNIGHT, datetime(2026, 11, 1, 12, 59, tzinfo=timezone.utc))  # 07:59 EST
    assert not is_open(OVERNIGHT, datetime(2026, 11, 1, 13, 0, tzinfo=timezone.utc))
    # A day service the day after keeps its wall-clock hours in EST.
    assert next_opening(WEEKDAYS, at(2026, 10, 31, 12, 0)) == datetime(
        2026, 11, 2, 14, 0, tzinfo=timezone.utc
    )


def test_valid_from_and_valid_to():
    summer = [
        {
            "byday": "MO,TU,WE,TH,FR",
            "opens_at": "09:00",
            "closes_at": "17:00",
            "valid_to": "2026-06-19",
        },
        {
            "byday": "MO,TU,WE,TH",
            "opens_at": "08:00",
            "closes_at": "12:00",
            "valid_from": "2026-06-22",
            "valid_to": "2026-08-28",
        },
    ]
    assert is_open(summer, at(2026, 6, 19, 15, 0))
    assert not is_open(summer, at(2026, 6, 22, 15, 0))
    assert is_open(summer, at(2026, 6, 22, 9, 0))
    assert not is_open(summer, at(2026, 6, 26, 9, 0))  # Friday: no summer hours
    assert next_opening(summer, at(2026, 8, 26, 13, 0)) == at(2026, 8, 27, 8, 0)
    assert next_opening(summer, at(2026, 8, 27, 13, 0)) is None  # every row expired


def test_explicit_closures_and_one_off_openings():
    closure = {"valid_from": "2026-06-23", "valid_to": "2026-06-23", "description": "Inventaire"}
    rows = [*WEEKDAYS, closure]
    assert not is_open(rows, at(2026, 6, 23, 10, 0))
    assert is_open(rows, at(2026, 6, 22, 10, 0))
    assert next_opening(rows, at(2026, 6, 22, 18, 0)) == at(2026, 6, 25, 9, 0)  # 24: holiday
    special = {
        "valid_from": "2026-12-25",
        "valid_to": "2026-12-25",
        "opens_at": "10:00",
        "closes_at": "14:00",
    }
    assert is_open([*WEEKDAYS, special], at(2026, 12, 25, 11, 0))
    assert next_opening([*WEEKDAYS, special], at(2026, 12, 24, 18, 0)) == at(2026, 12, 25, 10, 0)


def test_monthly_and_fortnightly_rows():
    monthly = [{"freq": "MONTHLY", "byday": "2TU", "opens_at": "13:00", "closes_at": "16:00"}]
    assert next_opening(monthly, at(2026, 6, 10, 0, 0)) == at(2026, 7, 14, 13, 0)
    assert is_open(monthly, at(2026, 6, 9, 14, 0))
    last_friday = [{"freq": "MONTHLY", "byday": "-1FR", "opens_at": "10:00", "closes_at": "12:00"}]
    assert next_opening(last_friday, at(2026, 6, 1, 0, 0)) == at(2026, 6, 26, 10, 0)
    fortnightly = [
        {
            "freq": "WEEKLY",
            "interval": 2,
            "byday": "WE",
            "dtstart": "2026-06-03",
            "opens_at": "18:00",
            "closes_at": "20:00",
        }
    ]
    assert is_open(fortnightly, at(2026, 6, 17, 19, 0))
    assert not is_open(fortnightly, at(2026, 6, 10, 19, 0))
    assert next_opening(fortnightly, at(2026, 6, 4, 0, 0)) == at(2026, 6, 17, 18, 0)


def test_no_schedule_means_no_opening():
    assert not is_open([], at(2026, 6, 23, 12, 0))
    assert next_opening([], at(2026, 6, 23, 12, 0)) is None
    assert describe_hours([], "fr") == "Horaire non précisé"


def test_describe_hours():
    assert describe_hours(WEEKDAYS, "fr") == "lun.–ven. 9 h – 17 h"
    assert describe_hours(WEEKDAYS, "en") == "Mon–Fri 9 a.m.–5 p.m."
    rows = [*WEEKDAYS, {"byday": "SA", "opens_at": "10:30", "closes_at": "12:00"}]
    assert describe_hours(rows, "fr") == "lun.–ven. 9 h – 17 h ; sam. 10 h 30 – midi"
    assert describe_hours(rows, "en") == "Mon–Fri 9 a.m.–5 p.m.; Sat 10:30 a.m.–noon"
    assert describe_hours(OVERNIGHT, "en") == "Every day 8 p.m.–8 a.m."
    split = [{"byday": "MO,WE,FR", "opens_at": "13:00", "closes_at": "16:00"}]
    assert describe_hours(split, "fr") == "lun., mer., ven. 13 h – 16 h"
    monthly = [{"freq": "MONTHLY", "byday": "2TU", "opens_at": "13:00", "closes_at": "16:00"}]
    assert describe_hours(monthly, "en") == "2nd Tue of the month 1 p.m.–4 p.m."


def test_bad_rows_are_reported():
    with pytest.raises(ValueError):
        is_open(
            [{"byday": "XX", "opens_at": "09:00", "closes_at": "17:00"}], at(2026, 6, 23, 12, 0)
        )
    with pytest.raises(ValueError):
        is_open(
            [{"byday": "MO", "opens_at": "25:00", "closes_at": "17:00"}], at(2026, 6, 23, 12, 0)
        )


def test_openings_between_a_day_apply_holidays_and_take_the_night_before():
    tuesday, wednesday = at(2026, 6, 23), at(2026, 6, 24)
    assert openings_between(WEEKDAYS, tuesday, wednesday) == [
        (at(2026, 6, 23, 9, 0), at(2026, 6, 23, 17, 0))
    ]
    # Fête nationale: no weekday opening; the night shelter is open on holidays
    assert openings_between(WEEKDAYS, wednesday, at(2026, 6, 25)) == []
    assert openings_between(OVERNIGHT, wednesday, at(2026, 6, 25)) == [
        (at(2026, 6, 23, 20, 0), at(2026, 6, 24, 8, 0)),
        (at(2026, 6, 24, 20, 0), at(2026, 6, 25, 8, 0)),
    ]
    # an instant: the opening under way then, as is_open reads it
    assert openings_between(WEEKDAYS, at(2026, 6, 23, 17, 0), at(2026, 6, 23, 17, 0)) == []
    assert openings_between(OVERNIGHT, at(2026, 6, 23, 2, 0), at(2026, 6, 23, 2, 0)) == [
        (at(2026, 6, 22, 20, 0), at(2026, 6, 23, 8, 0))
    ]
    # closing time is excluded: 17 h to midnight is not open
    assert openings_between(WEEKDAYS, at(2026, 6, 23, 17, 0), wednesday) == []


def test_describe_span():
    assert describe_span(at(2026, 6, 23, 9, 30), at(2026, 6, 23, 12, 0), "fr") == "9 h 30 – midi"
    assert describe_span(at(2026, 6, 23, 9, 30), at(2026, 6, 23, 12, 0), "en") == "9:30 a.m.–noon"
    assert describe_span(at(2026, 6, 23, 20, 0), at(2026, 6, 24, 8, 0), "fr") == "20 h – 8 h"
    assert describe_span(at(2026, 6, 23), at(2026, 6, 24), "fr") == "24 h sur 24"
    assert describe_span(at(2026, 6, 23, 18, 0), at(2026, 6, 24), "en") == "6 p.m.–midnight"
