"""Point → municipality, with polygons (shapely) where they exist and nearest points elsewhere.

Montréal island has polygons for its 19 boroughs and 15 villes liées, so a point there is
exact. Elsewhere only MRC polygons exist (municipal polygons were too large to vendor): the
MRC polygon constrains the answer, then the nearest *anchor* inside that MRC wins. Anchors are
the municipality points plus named places whose municipality is known (GeoNames localities
such as Saint-Hubert, FSA points with a MAMH code); an anchor whose point is not in its own
municipality's MRC is dropped (the GeoNames point of Bois-des-Filion falls inside Laval).

shapely and the polygons load on first use only: resolving names never pays for them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.places.data import Area, in_quebec_bounds, montreal_areas, mrc_areas, municipalities

NEAR_EDGE_DEGREES = 0.02
"""A point this close to a polygon (about 2 km) counts as in it: shores, bridges, islets."""


@dataclass(frozen=True)
class Anchor:
    """A point known to lie in a municipality (and maybe a borough)."""

    code_geo: str
    borough: str | None
    lat: float
    lon: float


@dataclass(frozen=True)
class Located:
    """What `GeoIndex.locate` found for a point."""

    code_geo: str
    borough: str | None
    exact: bool
    """True when a polygon of the municipality itself (or of its borough) contains the point."""


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: plenty for picking the nearest town."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


class GeoIndex:
    """MRC and Montréal polygons in STR trees, and anchors grouped by MRC."""

    def __init__(self, extra_anchors: Iterable[Anchor] = ()) -> None:
        import shapely
        from shapely import STRtree

        self._shapely = shapely
        self.mrcs: list[Area] = mrc_areas()
        self.montreal: list[Area] = montreal_areas()
        for each in (*self.mrcs, *self.montreal):
            shapely.prepare(each.geometry)
        self._mrc_tree = STRtree([a.geometry for a in self.mrcs])
        self._mtl_tree = STRtree([a.geometry for a in self.montreal])
        self.anchors: dict[str, list[Anchor]] = defaultdict(list)
        self.rejected: list[Anchor] = []
        rows = municipalities()
        for municipality in rows.values():
            if municipality.lat is not None and municipality.lon is not None:
                self.anchors[municipality.mrc_code].append(
                    Anchor(municipality.code_geo, None, municipality.lat, municipality.lon)
                )
        for anchor in extra_anchors:
            area = self._area(self._mrc_tree, self.mrcs, anchor.lat, anchor.lon, near=False)
            if area is None or rows[anchor.code_geo].mrc_code != area.code:
                self.rejected.append(anchor)
                continue
            self.anchors[area.code].append(anchor)

    def _area(self, tree, areas: list[Area], lat: float, lon: float, *, near: bool) -> Area | None:
        point = self._shapely.Point(lon, lat)
        hits = tree.query(point, predicate="intersects")
        if len(hits):
            return areas[int(hits[0])]
        if near:
            nearest = tree.query_nearest(point, max_distance=NEAR_EDGE_DEGREES)
            if len(nearest):
                return areas[int(nearest[0])]
        return None

    def mrc_of(self, lat: float, lon: float) -> Area | None:
        """The MRC (or TÉ) polygon containing the point, or one within ~2 km of it."""
        if not in_quebec_bounds(lat, lon):
            return None
        return self._area(self._mrc_tree, self.mrcs, lat, lon, near=True)

    def locate(self, lat: float, lon: float) -> Located | None:
        """The municipality (and Montréal borough) of a point; None outside Québec."""
        mrc = self.mrc_of(lat, lon)
        if mrc is None:
            return None
        if mrc.code == "66":
            area = self._area(self._mtl_tree, self.montreal, lat, lon, near=True)
            if area is not None:
                return Located(area.code, area.borough, exact=True)
        candidates = self.anchors.get(mrc.code) or []
        if not candidates:
            return None
        codes = {a.code_geo for a in candidates}
        best = min(candidates, key=lambda a: _distance_km(lat, lon, a.lat, a.lon))
        return Located(best.code_geo, best.borough, exact=len(codes) == 1)
