"""Counsellor hours: 7/7, 8 h–18 h, holidays included, configurable; the callback parsers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.handoff import callback
from bot.handoff.config import HandoffSettings
from bot.handoff.hours import CounsellorHours, holiday_name, now

MTL = ZoneInfo("America/Montreal")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MTL)


def test_open_every_day_eight_to_six_holidays_included() -> None:
    hours = CounsellorHours(HandoffSettings())
    assert hours.is_open(at(2024, 6, 24, 10, 0))  # Fête nationale
    assert hours.is_open(at(2024, 12, 25, 8, 0))  # Christmas, at opening
    assert hours.is_open(at(2024, 3, 10, 17, 59))  # a Sunday, DST day
    assert not hours.is_open(at(2024, 3, 10, 18, 0))
    assert not hours.is_open(at(2024, 3, 11, 7, 59))


def test_hours_read_in_montreal_whatever_the_zone() -> None:
    hours = CounsellorHours(HandoffSettings())
    assert hours.is_open(datetime(2024, 7, 1, 13, 0, tzinfo=ZoneInfo("UTC")))  # 9:00 EDT
    assert not hours.is_open(datetime(2024, 7, 1, 23, 0, tzinfo=ZoneInfo("UTC")))  # 19:00


def test_next_opening() -> None:
    hours = CounsellorHours(HandoffSettings())
    assert hours.next_opening(at(2024, 1, 5, 22, 30)) == at(2024, 1, 6, 8, 0)
    assert hours.next_opening(at(2024, 1, 5, 6, 0)) == at(2024, 1, 5, 8, 0)
    assert hours.next_opening(at(2024, 1, 5, 9, 0)) == at(2024, 1, 5, 9, 0)


def test_configurable_days_hours_and_holidays() -> None:
    settings = HandoffSettings.from_env(
        {
            "RELAIS_HANDOFF_HOURS": "09:00-17:00",
            "RELAIS_HANDOFF_DAYS": "mon,tue,wed,thu,fri",
            "RELAIS_HANDOFF_CLOSED_ON_HOLIDAYS": "true",
        }
    )
    hours = CounsellorHours(settings)
    assert not hours.is_open(at(2024, 1, 6, 10, 0))  # Saturday
    assert not hours.is_open(at(2024, 7, 1, 10, 0))  # Canada Day, a Monday
    assert hours.is_open(at(2024, 7, 2, 16, 59))
    assert hours.next_opening(at(2024, 6, 28, 18, 0)) == at(2024, 7, 2, 9, 0)
    assert hours.describe("fr") == {"opens": "9 h", "closes": "17 h"}
    assert hours.describe("en") == {"opens": "9 a.m.", "closes": "5 p.m."}


def test_frozen_clock_for_tests() -> None:
    settings = HandoffSettings.from_env({"RELAIS_HANDOFF_NOW": "2024-01-05T22:30:00-05:00"})
    assert now(settings) == at(2024, 1, 5, 22, 30)
    assert not CounsellorHours(settings).is_open(now(settings))


def test_holiday_labels() -> None:
    assert holiday_name(date(2024, 6, 24), "fr") == "Fête nationale du Québec"
    assert holiday_name(date(2024, 6, 24), "en")
    assert holiday_name(date(2024, 6, 25)) is None


def test_callback_answers() -> None:
    assert callback.parse_phone("514 555-0123") == "+15145550123"
    assert callback.parse_phone("123-456-7890") is None  # no such area code
    assert callback.parse_phone("(514) 872-1111") == "+15148721111"
    assert callback.parse_phone("438.333.4444") == "+14383334444"
    assert callback.parse_phone("+1 450 670 2211") == "+14506702211"
    assert callback.parse_phone("872-1111") is None  # area code needed
    assert callback.parse_phone("pas de numéro") is None
    assert callback.display_phone("+15148721111") == "(514) 872-1111"
    assert callback.parse_contact("un texto svp") == "sms"
    assert callback.parse_contact("SMS") == "sms"
    assert callback.parse_contact("Call me") == "phone"
    assert callback.parse_contact("un appel") == "phone"
    assert callback.parse_contact("peu importe") is None
    assert callback.parse_language("Français") == "fr"
    assert callback.parse_language("english please") == "en"
    assert callback.clean_best_time("  demain   matin ") == "demain matin"
    assert callback.clean_best_time("   ") is None
