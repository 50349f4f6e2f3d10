"""Pure helpers of the conversation: formats, pages, terminal rendering."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.assistant import dialogue
from bot.assistant.rasa_client import render

MTL = ZoneInfo("America/Montreal")


def test_times_and_distances_in_both_languages():
    at = datetime(2026, 3, 2, 9, 30, tzinfo=MTL)
    assert dialogue.format_time(at, "fr") == "9 h 30"
    assert dialogue.format_time(at, "en") == "9:30 a.m."
    assert dialogue.format_time(at.replace(hour=13, minute=0), "en") == "1 p.m."
    assert dialogue.format_km(1.25, "fr") == "1,2" and dialogue.format_km(12.4, "en") == "12"


def test_opening_today_tomorrow_and_weekday():
    now = datetime(2026, 3, 2, 20, 0, tzinfo=MTL)  # a Monday evening
    assert dialogue.format_opening(now.replace(hour=21), now, "fr") == "aujourd'hui à 21 h"
    assert dialogue.format_opening(datetime(2026, 3, 3, 9, tzinfo=MTL), now, "en") == (
        "tomorrow at 9 a.m."
    )
    assert dialogue.format_opening(datetime(2026, 3, 5, 13, tzinfo=MTL), now, "fr") == (
        "jeudi à 13 h"
    )


def test_pages_and_requested_page():
    assert dialogue.page_of(list(range(7)), 3) == [6]
    assert dialogue.requested_page([{"entity": "page", "value": "2"}]) == 2
    assert dialogue.requested_page([{"entity": "page", "value": "x"}]) == 1
    assert dialogue.requested_page([]) == 1


def test_language_falls_back_to_french():
    assert dialogue.conversation_language("en") == "en"
    assert dialogue.conversation_language("es") == "fr"
    assert dialogue.conversation_language(None) == "fr"


def test_fallback_text_shapes():
    assert "211" in dialogue.fallback_text(None, "en")
    assert dialogue.fallback_text({"en": "call 211"}, "en") == "call 211"
    assert dialogue.fallback_text("Appelez le 211", "fr") == "Appelez le 211"


def test_terminal_rendering_numbers_buttons():
    lines, buttons = render(
        [
            {"text": "Bonjour"},
            {"text": "Choisissez", "buttons": [{"title": "A", "payload": "/a"}]},
            {"custom": {"type": "service_cards", "cards": []}},
        ]
    )
    assert lines == ["Bonjour", "Choisissez", "  1. A"]
    assert buttons == [{"title": "A", "payload": "/a"}]
