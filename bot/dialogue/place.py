"""Where the person is, as the `place` slot carries it.

The NLU decides the place once per message (`bot.nlu.places.PlaceEntityExtractor`: the
gazetteer reads the sentence, the answer to "where?", or the shared location) and puts it on
the `place` entity; one slot mapping copies it into the `place` slot. Everything downstream
reads that value with `Where.from_slot` and never asks the gazetteer again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

PLACE_SLOT = "place"


@dataclass(frozen=True)
class Where:
    """A place as the conversation keeps it: a municipality, maybe a borough, and a point."""

    code_geo: str
    name: str
    label: str
    """How to say it back: "Verdun (Montréal)", "Laval"."""
    borough: str | None = None
    mrc: str | None = None
    in_territory: bool = True
    lat: float | None = None
    lon: float | None = None
    kind: str = "municipality"

    @classmethod
    def from_place(cls, place: Any, lat: float | None = None, lon: float | None = None) -> Where:
        """From a `bot.places.Place`; `lat`/`lon` win over the place's own point (shared)."""
        borough = place.borough
        label = f"{borough} ({place.name})" if borough and borough != place.name else place.name
        if lat is None or lon is None:
            lat, lon = place.lat, place.lon
        return cls(
            code_geo=place.code_geo,
            name=place.name,
            label=label,
            borough=borough,
            mrc=place.mrc,
            in_territory=bool(place.in_territory),
            lat=lat,
            lon=lon,
            kind=place.kind,
        )

    @classmethod
    def from_slot(cls, value: Any) -> Where | None:
        """The slot's value read back (None when unset or not a place). A slash command can
        set the slot to anything (`/provide_place{"place": {...}}`): every field is checked,
        a bad point is dropped, and a value that is no place at all is None."""
        if not isinstance(value, Mapping):
            return None
        code_geo, name = value.get("code_geo"), value.get("name")
        if not isinstance(code_geo, str) or not code_geo or not isinstance(name, str):
            return None
        label, kind = value.get("label"), value.get("kind")
        lat, lon = _coordinate(value.get("lat"), 90), _coordinate(value.get("lon"), 180)
        if lat is None or lon is None:
            lat = lon = None
        return cls(
            code_geo=code_geo,
            name=name,
            label=label if isinstance(label, str) and label else name,
            borough=_text_or_none(value.get("borough")),
            mrc=_text_or_none(value.get("mrc")),
            in_territory=value.get("in_territory") is not False,
            lat=lat,
            lon=lon,
            kind=kind if isinstance(kind, str) and kind else "municipality",
        )

    def as_slot(self) -> dict[str, Any]:
        return asdict(self)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _coordinate(value: Any, limit: float) -> float | None:
    """A latitude (limit 90) or longitude (180), or None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) and -limit <= number <= limit else None
