"""Benchmark of the search: latency at demo size and at 100k services, index build, memory.

Targets: p95 ≤ 5 ms at demo size (with and without the person's words), ≤ 20 ms at 100k
services. Queries cycle over needs × served municipalities (place names, so the gazetteer is
in the measure) at the current time (so opening hours are computed as in production).
Beside wall-clock percentiles, `cpu_*` give the CPU time of the searching thread: on a machine
shared with other work they show the search's own cost, which waiting for a core hides.
Run standalone: `python -m bench.search` prints JSON.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.memory import peak_rss_mb, rss_of_pid_mb

PLACES = (
    "Repentigny",
    "Laval",
    "Longueuil",
    "Terrebonne",
    "Châteauguay",
    "Mirabel",
    "Brossard",
    "Dollard-Des Ormeaux",
    "Verdun",
    "Montréal-Nord",
    "Saint-Jérôme",
    "Varennes",
    "Blainville",
    "Hochelaga",
    "Mascouche",
    "L'Épiphanie",
)
LARGE = 100_000


def _percentiles(samples: list[float], cpu: list[float]) -> dict[str, float]:
    values, cpu_values = np.array(samples) * 1000, np.array(cpu) * 1000
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p95_ms": round(float(np.percentile(values, 95)), 2),
        "cpu_p50_ms": round(float(np.percentile(cpu_values, 50)), 2),
        "cpu_p95_ms": round(float(np.percentile(cpu_values, 95)), 2),
        "queries": len(samples),
    }


def _queries(index: Any, texts: list[str] | None, rounds: int) -> dict[str, float]:
    from bot.directory.needs import NEED_IDS
    from bot.search.engine import search

    samples: list[float] = []
    cpu: list[float] = []
    for i in range(rounds):
        need = NEED_IDS[i % len(NEED_IDS)]
        place = PLACES[(i * 7) % len(PLACES)]
        text = texts[i % len(texts)] if texts else None
        started, cpu_started = time.perf_counter(), time.thread_time()
        search(
            need,
            place=place,
            index=index,
            text=text,
            language="fr" if i % 2 else "en",
            open_now=i % 3 == 0,
        )
        samples.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - cpu_started)
    return _percentiles(samples, cpu)


def _load(tables: dict, url: str) -> float:
    from bot.directory.store import create_engine_from_url, init_db, load_tables

    engine = create_engine_from_url(url)
    init_db(engine)
    started = time.perf_counter()
    load_tables(engine, tables)
    engine.dispose()
    return time.perf_counter() - started


def _rss_now_mb() -> float:
    import os

    return rss_of_pid_mb(os.getpid()) or 0.0


def run() -> dict:
    from bot.directory.demo import build_demo_tables, build_large_tables
    from bot.directory.store import create_engine_from_url
    from bot.search.embeddings import get_encoder
    from bot.search.engine import load_index, search
    from bot.search.training.evaluate import load_queries
    from bot.search.vectors import attach_vectors, refresh

    heldout = Path(__file__).resolve().parent.parent / "tests" / "search" / "retrieval_heldout.yml"
    texts = [q.text for q in load_queries(heldout)]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        _load(build_demo_tables(), url)
        encoder = get_encoder()
        engine = create_engine_from_url(url)
        report = refresh(engine, encoder=encoder)
        before = _rss_now_mb()
        started = time.perf_counter()
        index = load_index(url)
        attach_vectors(index, engine, encoder=encoder)
        build_s = time.perf_counter() - started
        engine.dispose()
        search("food", place="Laval", index=index)  # warm the gazetteer and caches
        results["demo"] = {
            "services": index.size,
            "model": encoder.name,
            "index_build_s": round(build_s, 2),
            "index_rss_mb": round(_rss_now_mb() - before, 1),
            "vectors_refresh_s": report["seconds"],
            "distinct_texts": report["texts"],
            "without_text": _queries(index, None, 400),
            "with_text": _queries(index, texts, 400),
        }

        url = f"sqlite:///{Path(folder) / 'large.db'}"
        load_s = _load(build_large_tables(LARGE), url)
        engine = create_engine_from_url(url)
        report = refresh(engine, encoder=encoder)
        before = _rss_now_mb()
        started = time.perf_counter()
        index = load_index(url)
        attach_vectors(index, engine, encoder=encoder)
        build_s = time.perf_counter() - started
        engine.dispose()
        search("food", place="Laval", index=index)
        results["large"] = {
            "services": index.size,
            "load_s": round(load_s, 1),
            "vectors_refresh_s": report["seconds"],
            "distinct_texts": report["texts"],
            "index_build_s": round(build_s, 2),
            "index_rss_mb": round(_rss_now_mb() - before, 1),
            "without_text": _queries(index, None, 300),
            "with_text": _queries(index, texts, 300),
        }
    results["peak_rss_mb"] = peak_rss_mb()
    results["targets"] = {"demo_p95_ms": 5, "large_p95_ms": 20}
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
