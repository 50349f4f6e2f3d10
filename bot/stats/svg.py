"""Server-drawn SVG charts of the dashboard: bars and the territory's map. No script, nothing
fetched from elsewhere; each chart is decorative for a screen reader (`aria-hidden`), its
table beside it says the same.

The map draws the MRCs of the territory (polygons of the vendored SDA data, MAMH/SDA, CC BY
4.0 — see /work/shared/data/SOURCES.md) and a circle on each municipality whose area grows
with its conversations; a municipality whose count is suppressed gets a hollow ring.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from html import escape
from typing import Any

WIDTH, HEIGHT = 640, 420


def bars(items: Sequence[tuple[Any, int | None]], width: int = WIDTH, height: int = 160) -> str:
    """Vertical bars, one per item (label, count or None when suppressed)."""
    if not items:
        return ""
    top = max((n or 0) for _, n in items) or 1
    step = width / len(items)
    parts = []
    for i, (_label, n) in enumerate(items):
        h = (n or 0) / top * (height - 10)
        x = i * step + step * 0.1
        css = "bar suppressed" if n is None else "bar"
        parts.append(
            f'<rect class="{css}" x="{x:.1f}" y="{height - h:.1f}" width="{step * 0.8:.1f}" '
            f'height="{max(h, 1 if n is None else 0):.1f}"></rect>'
        )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" aria-hidden="true" '
        f'focusable="false">{"".join(parts)}</svg>'
    )


@lru_cache(maxsize=1)
def territory() -> dict[str, Any]:
    """The served municipalities' points and their MRC rings, projected to the SVG box."""
    from bot.places.data import MRC_GEOJSON
    from bot.places.territory import served_municipalities

    served = served_municipalities()
    mrcs = {m.mrc_code for m in served}
    rings: list[list[tuple[float, float]]] = []
    for feature in json.loads(MRC_GEOJSON.read_text(encoding="utf-8"))["features"]:
        if feature["properties"].get("code") not in mrcs:
            continue
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            ring = polygon[0]
            stride = max(1, len(ring) // 200)
            rings.append([(float(x), float(y)) for x, y in ring[::stride]])
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = min(WIDTH / ((east - west) * squeeze), HEIGHT / (north - south))

    def at(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * squeeze * scale, (north - lat) * scale

    paths = [
        "M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in (at(x, y) for x, y in ring)) + "Z"
        for ring in rings
    ]
    points = {
        m.code_geo: (m.name, *at(m.lon, m.lat))
        for m in served
        if m.lon is not None and m.lat is not None
    }
    return {"paths": paths, "points": points}


def territory_map(counts: Mapping[Any, int | None], label: str) -> str:
    """The territory with one circle per municipality counted (None: suppressed)."""
    shape = territory()
    top = max((n or 0) for n in counts.values()) if counts else 0
    parts = [f'<path class="mrc" d="{d}"></path>' for d in shape["paths"]]
    for code, n in sorted(counts.items(), key=lambda item: -(item[1] or 0)):
        if code not in shape["points"]:
            continue
        name, x, y = shape["points"][code]
        if n is None:
            parts.append(
                f'<circle class="spot suppressed" cx="{x:.1f}" cy="{y:.1f}" r="4"></circle>'
            )
            continue
        r = 3 + 17 * math.sqrt(n / top) if top else 3
        parts.append(
            f'<circle class="spot" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}">'
            f"<title>{escape(name)}: {n}</title></circle>"
        )
    return (
        f'<svg class="map" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(label)}">{"".join(parts)}</svg>'
    )


__all__ = ["bars", "territory_map"]
