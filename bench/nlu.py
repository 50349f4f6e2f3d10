"""Benchmark of the NLU: training time, parse throughput, per-component latency, memory, and
the held-out quality figures (macro-F1, crisis recall, false alarms, language accuracy).

Trains a fresh NLU-only model into a temporary folder (so the figure is a real training, not a
cache hit; set `RELAIS_BENCH_NLU_MODEL=path.tar.gz` to skip training and time that model).
Per-component latency wraps each pipeline component's `process` with a timer while the held-out
messages are parsed one by one, as the bot does (two featurizer nodes share one class name, so
their times add up under `CountVectorsFeaturizer`). Run standalone: `python -m bench.nlu`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.settings import ROOT

HELDOUT = [ROOT / "tests" / "nlu" / f"heldout_{lang}.yml" for lang in ("fr", "en")]


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _train(folder: Path) -> tuple[Path, float]:
    from rasa.model_training import train_nlu

    from bot.ops import training

    start = time.perf_counter()
    train_nlu(str(training.CONFIG), str(training.NLU_DATA), str(folder), fixed_model_name="bench")
    return folder / "bench.tar.gz", time.perf_counter() - start


def _instrument(agent: Any) -> dict[str, list[float]]:
    """Time every `process` node of the loaded prediction graph.

    Rasa's `GraphNode` keeps the unbound function in `_fn` (fetched when the model loads), so
    the wrapper replaces it there.
    """
    timings: dict[str, list[float]] = defaultdict(list)
    nodes = agent.processor.graph_runner._instantiated_nodes
    for node in nodes.values():
        if node._fn_name != "process":
            continue
        name = node._component_class.__name__
        original: Callable[..., Any] = node._fn

        def timed(component: Any, *args: Any, _fn=original, _name=name, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _fn(component, *args, **kwargs)
            finally:
                timings[_name].append(time.perf_counter() - start)

        node._fn = timed
    return timings


def run() -> dict:
    """The NLU figures (see the module docstring)."""
    logging.getLogger("rasa").setLevel(logging.WARNING)
    from bot.ops.evaluation import evaluate, load_examples
    from bot.ops.understand import load_agent

    result: dict[str, Any] = {}
    rss_start = _rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        preset = os.environ.get("RELAIS_BENCH_NLU_MODEL")
        if preset:
            model, result["train_s"] = Path(preset), None
        else:
            model, train_s = _train(Path(folder))
            result["train_s"] = round(train_s, 1)
        start = time.perf_counter()
        agent = load_agent(model)
        result["load_s"] = round(time.perf_counter() - start, 1)
        timings = _instrument(agent)
        texts = [text for path in HELDOUT for text, _ in load_examples(path)]

        async def parse_all() -> list[float]:
            latencies = []
            for text in texts:
                begin = time.perf_counter()
                await agent.parse_message(text)
                latencies.append(time.perf_counter() - begin)
            return latencies

        asyncio.run(parse_all())  # warm-up (TensorFlow traces the graph on first calls)
        for values in timings.values():
            values.clear()
        latencies = asyncio.run(parse_all())
        total = sum(latencies)
        result["messages"] = len(texts)
        result["messages_per_s"] = round(len(texts) / total, 1)
        result["parse_ms_p50"] = round(1000 * statistics.median(latencies), 2)
        result["parse_ms_p95"] = round(1000 * statistics.quantiles(latencies, n=20)[-1], 2)
        result["component_ms_mean"] = {
            name: round(1000 * statistics.fmean(values), 3)
            for name, values in sorted(timings.items(), key=lambda kv: -sum(kv[1]))
            if values
        }
        result["quality"] = {path.stem: evaluate(agent, path).summary() for path in HELDOUT}
    result["rss_mb"] = round(_rss_mb(), 1)
    result["rss_model_mb"] = round(result["rss_mb"] - rss_start, 1)
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
