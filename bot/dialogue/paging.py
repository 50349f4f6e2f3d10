"""Which page of results a message asks for: a button names it, typed words mean "the next"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from bot.dialogue.results import RESULTS_TYPE

MORE_RESULTS_INTENT = "more_results"
PER_PAGE = 3

T = TypeVar("T")


def page_of(hits: list[T], page: int, per_page: int = PER_PAGE) -> list[T]:
    """The hits shown on `page` (1-based)."""
    start = (max(page, 1) - 1) * per_page
    return hits[start : start + per_page]


def requested_page(entities: Iterable[Mapping[str, Any]]) -> int:
    """The page asked by an "other options" button (`/need_food{"page": 2}`), else 1."""
    for entity in entities:
        if entity.get("entity") == "page":
            try:
                return max(int(float(str(entity.get("value")))), 1)
            except (TypeError, ValueError):
                return 1
    return 1


def last_results_page(events: Iterable[Mapping[str, Any]], need: str | None) -> int:
    """The page of results for `need` the person saw last (0: none since their last need).
    One answer may list several needs ("food and rent": housing's cards, then food's): the
    latest answer with results is read whole ("another one?" there showed page 1 again)."""
    other_need_shown = False
    for event in reversed(list(events)):
        if event.get("event") == "user":
            if other_need_shown:
                return 0
            continue
        if event.get("event") != "bot":
            continue
        custom = (event.get("data") or {}).get("custom") or {}
        if custom.get("type") != RESULTS_TYPE:
            continue
        if custom.get("need") != need:
            other_need_shown = True
            continue
        try:
            return max(int(custom.get("page") or 1), 1)
        except (TypeError, ValueError):
            return 1
    return 0


def page_to_show(
    intent: str,
    entities: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    need: str | None,
) -> int:
    """The "other options" button names its page; typed ("autres options", "any others?")
    it means the page after the one shown last."""
    entities = list(entities)
    if intent == MORE_RESULTS_INTENT and not any(e.get("entity") == "page" for e in entities):
        return last_results_page(events, need) + 1
    return requested_page(entities)
