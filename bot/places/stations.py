"""Métro stations: "près du métro Pie-IX" says Montréal, Mercier–Hochelaga-Maisonneuve.

A station name is read only next to "métro"/"station" (after it in French, before it in
English: "Côte-Vertu metro"), because most stations carry the name of a street or of a
distant town ("métro Sherbrooke" is on the Plateau, not in Estrie). Stations are listed in
aliases.yml (`stations`) with the borough they lie in; kept apart from the general table of
names so that "Sherbrooke" alone still means the city.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.places import normalize

TRIGGERS: frozenset[str] = frozenset(["metro", "station", "stn"])
"""Folded words that announce (or follow) a station name."""


@dataclass(frozen=True)
class StationHit:
    """A station name at tokens `start:end`, and where the station is."""

    start: int
    end: int
    code_geo: str
    borough: str | None


class StationIndex:
    """Folded station names (token tuples) → municipality code and borough."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self._names: dict[tuple[str, ...], tuple[str, str | None]] = {}
        for entry in entries:
            where = (str(entry["code"]), entry.get("borough"))
            for name in entry["names"]:
                key = tuple(normalize.fold(str(name)).split())
                if key:
                    self._names.setdefault(key, where)
        self.longest = max((len(k) for k in self._names), default=0)

    @property
    def codes(self) -> set[str]:
        return {code for code, _ in self._names.values()}

    def _longest_at(self, words: list[str], start: int) -> int:
        """Length of the longest station name starting at `start` (0 if none)."""
        for size in range(min(self.longest, len(words) - start), 0, -1):
            if tuple(words[start : start + size]) in self._names:
                return size
        return 0

    def _longest_ending_at(self, words: list[str], end: int) -> int:
        """Length of the longest station name ending right before `end` (0 if none)."""
        for size in range(min(self.longest, end), 0, -1):
            if tuple(words[end - size : end]) in self._names:
                return size
        return 0

    def find(self, words: list[str]) -> list[StationHit]:
        """Station names right after or right before a trigger word, not overlapping."""
        hits: list[StationHit] = []
        used: set[int] = set()
        for index, word in enumerate(words):
            if word not in TRIGGERS:
                continue
            size = self._longest_at(words, index + 1)
            span = (index + 1, index + 1 + size)
            if not size:
                size = self._longest_ending_at(words, index)
                span = (index - size, index)
            if not size or used.intersection(range(*span)):
                continue
            code, borough = self._names[tuple(words[span[0] : span[1]])]
            hits.append(StationHit(span[0], span[1], code, borough))
            used.update(range(*span))
        return hits
