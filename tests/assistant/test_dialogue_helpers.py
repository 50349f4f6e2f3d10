"""Pure helpers of the conversation: pages, language, the place slot, terminal rendering."""

from __future__ import annotations

from bot.dialogue import paging
from bot.dialogue.language import conversation_language
from bot.dialogue.place import Where
from bot.ops.rasa_client import render


def test_pages_and_requested_page():
    assert paging.page_of(list(range(7)), 3) == [6]
    assert paging.requested_page([{"entity": "page", "value": "2"}]) == 2
    assert paging.requested_page([{"entity": "page", "value": "x"}]) == 1
    assert paging.requested_page([]) == 1


def test_typed_more_results_means_the_page_after_the_last_seen():
    shown = [{"event": "bot", "data": {"custom": {"type": "service_results", "need": "food",
                                                  "page": 2}}}]  # fmt: skip
    assert paging.page_to_show("more_results", [], shown, "food") == 3
    assert paging.page_to_show("more_results", [], shown, "housing") == 1  # another need
    assert paging.page_to_show("need_food", [{"entity": "page", "value": 4}], shown, "food") == 4


def test_typed_more_results_after_two_needs_in_one_answer():
    """A tester: "another one?" under housing's then food's cards showed page 1 again."""

    def results(need: str, page: int) -> dict:
        return {"event": "bot", "data": {"custom": {"type": "service_results", "need": need,
                                                    "page": page}}}  # fmt: skip

    said = {"event": "user", "text": "…"}
    both = [said, results("housing", 1), results("food", 1), said]
    assert paging.page_to_show("more_results", [], both, "housing") == 2
    assert paging.page_to_show("more_results", [], both, "food") == 2
    # housing's cards in an earlier answer, food's since: housing starts over
    apart = [said, results("housing", 2), said, results("food", 1), said]
    assert paging.page_to_show("more_results", [], apart, "housing") == 1
    assert paging.page_to_show("more_results", [], apart, "food") == 2


def test_language_falls_back_to_french():
    assert conversation_language("en") == "en"
    assert conversation_language("es") == "fr"
    assert conversation_language(None) == "fr"


def test_place_slot_reads_back_and_ignores_garbage():
    value = {"code_geo": "66023", "name": "Montréal", "label": "Verdun (Montréal)",
             "borough": "Verdun", "lat": 45.46, "lon": -73.57, "unknown_key": 1}  # fmt: skip
    where = Where.from_slot(value)
    assert where is not None and where.label == "Verdun (Montréal)" and where.lat == 45.46
    assert Where.from_slot(None) is None and Where.from_slot("66023") is None
    assert Where.from_slot({"name": "no code"}) is None


def test_terminal_rendering_numbers_buttons():
    lines, buttons = render(
        [
            {"text": "Bonjour"},
            {"text": "Choisissez", "buttons": [{"title": "A", "payload": "/a"}]},
            {"custom": {"type": "service_results", "cards": []}},
        ]
    )
    assert lines == ["Bonjour", "Choisissez", "  1. A"]
    assert buttons == [{"title": "A", "payload": "/a"}]


def test_where_from_a_hostile_slot_value() -> None:
    """`/provide_place{"place": {...}}` sets the slot to anything: never a crash downstream."""
    where = Where.from_slot({"code_geo": "66023", "name": "Montréal", "lat": "x", "lon": 1e999})
    assert where is not None and (where.lat, where.lon, where.label) == (None, None, "Montréal")
    assert Where.from_slot({"code_geo": ["66023"], "name": "x"}) is None
    assert Where.from_slot({"code_geo": "66023", "name": None}) is None
    odd = Where.from_slot({"code_geo": "1", "name": "x", "lat": 45.5, "lon": True, "mrc": 3})
    assert odd is not None and odd.lat is None and odd.mrc is None
