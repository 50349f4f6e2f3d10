"""The one formatter: a distance, an hour, an opening read the same everywhere, FR and EN."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.texts import formats, t

MTL = ZoneInfo("America/Montreal")
MONDAY_EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=MTL)


def test_kilometres():
    assert formats.km(3.24, "fr") == "3,2" and formats.km(3.24, "en") == "3.2"
    assert formats.km(0.0, "fr") == "0,1"  # never "0 km" for a place next door
    assert formats.km(12.4, "en") == "12"
    assert formats.distance(1.25, "fr") == "à 1,2 km"
    assert formats.distance(1.25, "en") == "1.2 km away"


def test_clock_in_both_languages():
    at = datetime(2026, 3, 2, 9, 30, tzinfo=MTL)
    assert formats.clock(at, "fr") == "9 h 30" and formats.clock(at, "en") == "9:30 a.m."
    assert formats.clock(time(13, 0), "en") == "1 p.m." and formats.clock(time(18), "fr") == "18 h"
    assert formats.clock(time(0, 5), "en") == "12:05 a.m."


def test_when_today_tomorrow_weekday_and_date():
    now = MONDAY_EVENING
    assert formats.when(now.replace(hour=21), now, "fr") == "aujourd'hui à 21 h"
    assert formats.when(datetime(2026, 3, 3, 9, tzinfo=MTL), now, "en") == "tomorrow at 9 a.m."
    assert formats.when(datetime(2026, 3, 5, 13, tzinfo=MTL), now, "fr") == "jeudi à 13 h"
    far = datetime(2026, 3, 16, 8, 30, tzinfo=MTL)
    assert formats.when(far, now, "fr") == "lundi 16 mars à 8 h 30"
    assert formats.when(far, now, "en") == "Monday, March 16 at 8:30 a.m."


def test_when_is_in_montreal_time():
    utc = ZoneInfo("UTC")
    # 02:00 UTC on Tuesday is still Monday 21 h in Montréal
    assert formats.when(datetime(2026, 3, 3, 2, 0, tzinfo=utc), MONDAY_EVENING, "fr") == (
        "aujourd'hui à 21 h"
    )


def test_opening_status():
    now = MONDAY_EVENING
    tomorrow = datetime(2026, 3, 3, 9, tzinfo=MTL)
    assert formats.opening(True, None, now, "en") == "Open now"
    assert formats.opening(False, tomorrow, now, "fr") == "Fermé en ce moment — ouvre demain à 9 h"
    assert formats.opening(False, None, now, "en") == "Closed right now"
    assert formats.opening(None, None, now, "fr") == "Heures non indiquées"


def test_a_value_ending_with_a_period_ends_the_sentence_once():
    """ "They are away right now and back today at 8 a.m.." was what a person read."""
    text = t("handoff.person.closed_hours", "en", opens="8 a.m.", closes="6 p.m.", next="at 8 a.m.")
    assert text.endswith("back at 8 a.m.") and ".." not in text
    french = t("handoff.person.closed_hours", "fr", opens="8 h", closes="18 h", next="à 8 h")
    assert french.endswith("reviennent à 8 h.")


def test_french_de_before_a_place_elides_and_contracts():
    """ "près de Anjou" and "près de Le Plateau" were what a French reader saw."""
    intro = "dialogue.near_place"
    assert "près d'Anjou" in t(intro, "fr", need_label="aînés", place_name="Anjou")
    assert "près du Plateau-Mont-Royal" in t(
        intro, "fr", need_label="x", place_name="Le Plateau-Mont-Royal"
    )
    assert "près des Cèdres" in t(intro, "fr", need_label="x", place_name="Les Cèdres")
    assert "près de Laval" in t(intro, "fr", need_label="x", place_name="Laval")
    assert "près de Yamaska" in t(intro, "fr", need_label="x", place_name="Yamaska")
    assert "near Anjou" in t(intro, "en", need_label="x", place_name="Anjou")
