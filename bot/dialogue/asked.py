"""What the person asked for: which needs to serve now, and the words they used.

A message can name several needs ("un avocat pour mon appel en immigration": legal and
immigration); the results then cover each, the main one first, up to `MAX_NEEDS_SHOWN`. The
person's own words ("des couches pour mon bébé") rank the services of each need, so the
message that stated the need is passed to the search, not only the need's id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.dialogue.paging import MORE_RESULTS_INTENT
from bot.directory.needs import NEED_IDS

MAX_NEEDS_SHOWN = 2
"""Needs answered with cards in one turn; the others are offered as buttons."""
MAX_WORDS_CHARS = 500
"""The person's words passed to the search (the meaning is in the first sentences)."""


@dataclass(frozen=True)
class Asked:
    needs: tuple[str, ...]
    """The needs to answer now, main first (cards for the first `MAX_NEEDS_SHOWN`)."""
    words: str | None
    """What the person wrote when they stated the need (None for a button)."""

    @property
    def shown(self) -> tuple[str, ...]:
        return self.needs[:MAX_NEEDS_SHOWN]

    @property
    def offered(self) -> tuple[str, ...]:
        return self.needs[MAX_NEEDS_SHOWN:]


def _intent(event: Mapping[str, Any]) -> str:
    return str(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")


def _needs_of(event: Mapping[str, Any]) -> list[str]:
    entities = (event.get("parse_data") or {}).get("entities") or []
    return [str(e.get("value")) for e in entities if e.get("entity") in ("need", "needs")]


def stated_in(event: Mapping[str, Any], need: str) -> bool:
    """Whether this user message stated `need` (by its intent or the needs found in it)."""
    return _intent(event) == f"need_{need}" or need in _needs_of(event)


def what_was_asked(
    events: Iterable[Mapping[str, Any]] | None, need: str, needs: Any, *, page: int = 1
) -> Asked:
    """The needs to answer and the person's words, from the conversation's events.

    Several needs only on the first page of results, and not after a button or "any
    others?" (they ask for one need); `needs` (the slot) counts only when it holds `need`,
    i.e. when they were stated together.
    """
    users = [e for e in events or () if e.get("event") == "user"]
    latest = users[-1] if users else {}
    latest_text = str(latest.get("text") or "")
    single = page > 1 or latest_text.startswith("/") or _intent(latest) == MORE_RESULTS_INTENT
    listed = [str(n) for n in needs if n in NEED_IDS] if isinstance(needs, list) else []
    chosen = [need]
    if not single and need in listed:
        chosen += [n for n in listed if n != need]
    words = None
    for event in reversed(users):
        text = str(event.get("text") or "").strip()
        if text.startswith("/"):
            if _intent(event) == f"need_{need}":
                break  # the need came from a button: no words of theirs to rank with
            continue
        if stated_in(event, need):
            words = text[:MAX_WORDS_CHARS]
            break
    return Asked(tuple(dict.fromkeys(chosen)), words)


def known_need(value: Any) -> str | None:
    """The `need` slot when it holds one of the 20 needs, else None: a slash command can set
    it to anything (`/need_food{"need": "H2X 1Y4"}`), and the search knows only those."""
    return value if isinstance(value, str) and value in NEED_IDS else None
