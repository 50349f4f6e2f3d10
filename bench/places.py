"""Benchmark of the gazetteer: build time, resolutions and sentence matches per second, RSS.

`run()` returns the figures (the lead's `make bench` prints and saves them).
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MENTIONS = ROOT / "tests" / "places" / "mentions.yml"

SENTENCES = [
    "y a tu un dépannage à Laval?",
    "I live in DDO and need food",
    "je reste a terebonne pis j'ai pu rien à manger",
    "mon code postal c'est h1w 2b4",
    "je cherche une banque alimentaire proche de chez nous",
    "chu dans Hochelaga, y a tu quelque chose ouvert ce soir",
    "my mom lives in Châteauguay and needs a ride to the hospital",
    "besoin d'un refuge pour ce soir svp",
]


def _rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _rate(function, items: list[str], seconds: float = 1.0) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for item in items:
            function(item)
        count += len(items)
    return round(count / (time.perf_counter() - started), 1)


def run() -> dict:
    from bot.places.gazetteer import Gazetteer, get_gazetteer

    started = time.perf_counter()
    Gazetteer()
    build_cold = time.perf_counter() - started  # data files parsed and cached by this one
    started = time.perf_counter()
    gazetteer = Gazetteer()
    build_warm = time.perf_counter() - started
    gazetteer = get_gazetteer()
    started = time.perf_counter()
    gazetteer.resolve("H2X 1Y4")  # loads shapely, polygons and anchors
    geo_load = time.perf_counter() - started
    started = time.perf_counter()
    gazetteer.resolve("terebone")
    fuzzy_first = time.perf_counter() - started

    with MENTIONS.open(encoding="utf-8") as handle:
        mentions = yaml.safe_load(handle)
    texts = [item["text"] for item in mentions]
    correct = 0
    for item in mentions:
        place = gazetteer.resolve(item["text"])
        ok = (place.code_geo if place else None) == item["code"]
        if ok and "borough" in item:
            ok = place is not None and place.borough == item["borough"]
        correct += ok
    return {
        "build_seconds_cold": round(build_cold, 3),
        "build_seconds_warm": round(build_warm, 3),
        "names": gazetteer.stats.names,
        "geo_first_load_seconds": round(geo_load, 3),
        "fuzzy_first_call_seconds": round(fuzzy_first, 3),
        "mentions": len(mentions),
        "accuracy": round(correct / len(mentions), 4),
        "resolve_per_second": _rate(gazetteer.resolve, texts),
        "match_per_second": _rate(gazetteer.match, SENTENCES),
        "reverse_per_second": _rate(lambda _: gazetteer.reverse(45.52, -73.58), ["x"] * 50),
        "rss_mb": _rss_mb(),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
