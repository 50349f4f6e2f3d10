"""Retrieval figures of the search encoders on the held-out set (tests/search/retrieval_heldout.yml).

For each encoder, French and English separately: top-1 need accuracy (nearest need
prototype), recall@5 and precision@5 of demo services of the right need, ms per query.
Also how many held-out texts appear verbatim in the training material (must be 0).
Run standalone: `python -m bench.retrieval` prints JSON.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "search" / "retrieval_heldout.yml"


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def run(models: tuple[str, ...] = ("minilm", "use", "relais-static", "relais-minilm")) -> dict:
    from bot.directory.demo import build_demo_tables
    from bot.directory.needs import NEED_IDS
    from bot.search.embeddings import Encoder, is_available, load_model
    from bot.search.training.data import load_training_set
    from bot.search.training.evaluate import corpus_from_tables, evaluate, load_queries

    queries = load_queries(HELDOUT)
    corpus = corpus_from_tables(build_demo_tables())
    training = {_fold(q.text) for q in load_training_set().queries}
    results: dict = {
        "heldout": {
            "fr": sum(q.language == "fr" for q in queries),
            "en": sum(q.language == "en" for q in queries),
            "seen_in_training": sum(_fold(q.text) in training for q in queries),
        },
        "services": len(corpus.texts_fr),
        "models": {},
    }
    for name in models:
        if not is_available(name):
            results["models"][name] = {"skipped": "not built (relais search build-model)"}
            continue
        started = time.perf_counter()
        encoder = Encoder(name, load_model(name), threading.Lock())
        load_s = time.perf_counter() - started
        figures = evaluate(encoder, queries, corpus, NEED_IDS)
        figures["load_s"] = round(load_s, 2)
        results["models"][name] = figures
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
