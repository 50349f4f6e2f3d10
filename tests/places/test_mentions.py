"""Accuracy on how people really say where they are (tests/places/mentions.yml)."""

from __future__ import annotations

from bot.places.gazetteer import Gazetteer
from bot.places.territory import SERVED_CODES

MIN_ACCURACY = 0.95


def _ok(item: dict, place) -> bool:
    code = place.code_geo if place else None
    if code != item["code"]:
        return False
    return "borough" not in item or (place is not None and place.borough == item["borough"])


def test_the_set_is_large_and_covers_the_territory(mentions: list[dict]) -> None:
    assert len(mentions) >= 250
    assert {item["code"] for item in mentions} >= SERVED_CODES
    assert sum(item["code"] is None for item in mentions) >= 20


def test_accuracy(gazetteer: Gazetteer, mentions: list[dict]) -> None:
    failures = []
    for item in mentions:
        place = gazetteer.resolve(item["text"])
        if not _ok(item, place):
            got = place and (place.code_geo, place.name, place.borough, place.kind)
            failures.append(
                f"{item['text']!r}: expected {item['code']} {item.get('borough')}, got {got}"
            )
    accuracy = 1 - len(failures) / len(mentions)
    print(f"accuracy {accuracy:.3f} on {len(mentions)} mentions")
    assert accuracy >= MIN_ACCURACY, "\n".join(failures)
