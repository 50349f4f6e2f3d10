"""Métro stations: "près du métro Pie-IX" says Montréal, Mercier–Hochelaga-Maisonneuve.

A station name is read only next to "métro"/"station" (after it in French, before it in
English: "Côte-Vertu metro"), because most stations carry the name of a street or of a
distant town ("métro Sherbrooke" is on the Plateau, not in Estrie). Stations are listed in
aliases.yml (`stations`) with the borough they lie in; kept apart from the general table of
names so that "Sherbrooke" alone still means the city. Where a station is comes from Montréal's
points of interest (`montreal_metro_stations.csv`): the borough's centre put "métro Frontenac"
2.7 km from the station, and "métro Jean-Talon", on a borough limit, at the island's centre.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot.places import normalize

SAME_STATION = 85.0
"""Similarity (rapidfuzz ratio) at which a points-of-interest name is the station's: the
source misspells two ("Edouard-Monptetit", "Snowdown")."""

MONTREAL = "66023"
"""The city whose stations the points of interest place (Laval's and Longueuil's are not in
them)."""
TRIGGERS: frozenset[str] = frozenset(["metro", "station", "stn"])
"""Folded words that announce (or follow) a station name."""


@dataclass(frozen=True)
class StationHit:
    """A station name at tokens `start:end`, and where the station is."""

    start: int
    end: int
    code_geo: str
    borough: str | None
    point: tuple[float, float] | None = None
    """The station's own latitude and longitude, when the points of interest have it."""


@dataclass(frozen=True)
class StationPoint:
    """Where a station is: its point and the borough the city gives it."""

    lat: float
    lon: float
    borough: str


def station_points(path: Path) -> dict[str, StationPoint]:
    """Folded station name → where it is, from Montréal's points of interest (type "Station de
    métro"; `Nom court` is the station's name)."""
    points: dict[str, StationPoint] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["Nom court"].strip() or row["Nom français"].removeprefix("Métro ")
            points[normalize.fold(name)] = StationPoint(
                float(row["Latitude"]), float(row["Longitude"]), row["Arrondissement"]
            )
    return points


def _point_of(name: str, points: dict[str, StationPoint]) -> StationPoint | None:
    """The point of a station name as aliases.yml writes it: the same name, a name it begins or
    ends ("Berri" of "Berri-UQAM", "Collège" of "Du Collège"), else a near spelling."""
    if name in points:
        return points[name]
    padded = f" {name} "
    for known, point in points.items():
        if f" {known} ".startswith(padded) or f" {known} ".endswith(padded):
            return point
    best = process.extractOne(name, list(points), scorer=fuzz.ratio, score_cutoff=SAME_STATION)
    return points[best[0]] if best else None


class StationIndex:
    """Folded station names (token tuples) → municipality code and borough."""

    def __init__(
        self,
        entries: list[dict[str, Any]],
        points: dict[str, StationPoint] | None = None,
        boroughs: dict[str, str] | None = None,
    ) -> None:
        """`points`: where stations are (`station_points`); `boroughs`: folded borough name →
        the gazetteer's own, to give a station on a borough limit the city's borough."""
        self._names: dict[tuple[str, ...], tuple[str, str | None, tuple[float, float] | None]]
        self._names = {}
        for entry in entries:
            code, borough = str(entry["code"]), entry.get("borough")
            for name in entry["names"]:
                folded = normalize.fold(str(name))
                point = _point_of(folded, points or {}) if code == MONTREAL else None
                where: tuple[str, str | None, tuple[float, float] | None]
                if point is None:
                    where = (code, borough, None)
                else:
                    city = (boroughs or {}).get(normalize.fold(point.borough))
                    where = (code, borough or city, (point.lat, point.lon))
                key = tuple(folded.split())
                if key:
                    self._names.setdefault(key, where)
        self.longest = max((len(k) for k in self._names), default=0)

    @property
    def codes(self) -> set[str]:
        return {code for code, _, _ in self._names.values()}

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

    def named(self, words: list[str], start: int, end: int) -> StationHit | None:
        """The station whose whole name is `words[start:end]`, with no trigger word."""
        where = self._names.get(tuple(words[start:end]))
        return StationHit(start, end, *where) if where else None

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
            code, borough, point = self._names[tuple(words[span[0] : span[1]])]
            hits.append(StationHit(span[0], span[1], code, borough, point))
            used.update(range(*span))
        return hits
