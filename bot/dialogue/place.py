"""Where the person is, as the `place` slot carries it.

The NLU decides the place once per message (`bot.nlu.places.PlaceEntityExtractor`: the
gazetteer reads the sentence, the answer to "where?", or the shared location) and puts it on
the `place` entity; one slot mapping copies it into the `place` slot. Everything downstream
reads that value with `Where.from_slot` and never asks the gazetteer again.
"""

from __future__ import annotations

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
        """The slot's value read back (None when unset or not a place)."""
        if not isinstance(value, Mapping) or not value.get("code_geo"):
            return None
        fields = cls.__dataclass_fields__
        return cls(**{key: value[key] for key in fields if key in value})

    def as_slot(self) -> dict[str, Any]:
        return asdict(self)
