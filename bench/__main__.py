"""`python -m bench [NAME ...]`: run the benchmarks, print them, save them as JSON.

Each module `bench/<name>.py` exposes `run() -> dict`. Results are printed and written to
`bench/results/<name>-<timestamp>.json` and `bench/results/latest.json` (all of this run).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
ORDER = (
    "directory",
    "places",
    "search",
    "retrieval",
    "nlu",
    "assistant",
    "handoff",
    "widget",
    "sms",
    "stats",
    "fuzz",
    "proxy",
    "resilience",
)


def available() -> list[str]:
    """Benchmark modules present, in a meaningful order."""
    present = {
        p.stem
        for p in Path(__file__).parent.glob("*.py")
        if not p.stem.startswith("_") and p.stem != "memory"
    }
    return [name for name in ORDER if name in present] + sorted(present - set(ORDER))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args(argv)
    names = args.names or available()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    report: dict[str, object] = {
        "started": stamp,
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "results": {},
    }
    failed = False
    for name in names:
        print(f"== bench {name}", flush=True)
        started = time.perf_counter()
        try:
            result = importlib.import_module(f"bench.{name}").run()
        except Exception:  # a failing benchmark must not hide the others' figures
            traceback.print_exc()
            result = {"error": traceback.format_exc(limit=3)}
            failed = True
        result["wall_seconds"] = round(time.perf_counter() - started, 2)
        report["results"][name] = result
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str), flush=True)
        (RESULTS_DIR / f"{name}-{stamp}.json").write_text(
            json.dumps(result, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    (RESULTS_DIR / "latest.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    print(f"Saved to {RESULTS_DIR}/latest.json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
