"""Do the person's words rank the results? Cases where they matter, on the demo directory.

For each case (what the person wrote, the need the NLU found, where they are, the kind of
service that answers it), the search runs without the words and with them (as the chat now
passes them, `bot/dialogue/asked.py`); the figure is how often a fitting service is in the top
3 shown, and its best rank. Run standalone: `python -m bench.words` prints JSON.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

CASES: tuple[tuple[str, str, str, str, str], ...] = (
    ("j'ai besoin de couches pour mon bébé", "family", "66023", "fr", "couches"),
    ("I need diapers and baby formula", "family", "65005", "en", "Diaper"),
    ("je cherche un frigo usagé pas cher", "material", "66023", "fr", "Électroménagers"),
    ("my fridge died, any used appliances?", "material", "58227", "en", "appliances"),
    ("I need a lawyer for my immigration appeal", "legal", "65005", "en", "lawyer"),
    ("ça me prend un avocat pour ma séparation", "legal", "66023", "fr", "avocat"),
    ("un dentiste pas cher pour mon fils", "health", "66023", "fr", "dentaire"),
    ("toothache and no dental insurance", "health", "65005", "en", "dental"),
    ("refuge pour femmes seulement", "shelter", "58227", "fr", "femmes"),
    ("a women-only shelter for tonight", "shelter", "66023", "en", "Women"),
)


def _rank(hits: list, marker: str) -> int | None:
    for position, hit in enumerate(hits, start=1):
        if marker.lower() in hit.name.lower():
            return position
    return None


def run() -> dict:
    from bot.directory.demo import build_demo_tables
    from bot.directory.store import create_engine_from_url, init_db, load_tables
    from bot.search.engine import load_index, search

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        engine = create_engine_from_url(url)
        init_db(engine)
        load_tables(engine, build_demo_tables())
        engine.dispose()
        index = load_index(url)
        search("food", place="66023", index=index, text="warm-up")  # loads the encoder
        cases = []
        started = time.perf_counter()
        for text, need, place, language, marker in CASES:
            plain = search(need, place=place, language=language, limit=10, index=index)
            worded = search(need, place=place, language=language, limit=10, text=text, index=index)
            cases.append(
                {
                    "text": text,
                    "need": need,
                    "rank_without_words": _rank(plain.hits, marker),
                    "rank_with_words": _rank(worded.hits, marker),
                }
            )
        elapsed = time.perf_counter() - started

    def top3(key: str) -> float:
        return round(sum(1 for c in cases if (c[key] or 99) <= 3) / len(cases), 2)

    return {
        "cases": cases,
        "in_top3_without_words": top3("rank_without_words"),
        "in_top3_with_words": top3("rank_with_words"),
        "ms_per_search": round(1000 * elapsed / (2 * len(CASES)), 2),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
