"""Needs analytics at scale: 1 million conversations in the rollup, the queries on it, and
what recording costs a turn.

- the rollup of 1,000,000 conversations over a year (random needs, municipalities of the
  territory, languages, channels, crises, handoffs) is built the way `store.refresh` builds
  it, day by day through `store.write_day` (the daily tables and their months), into a SQLite
  file;
- every figure the CLI, the API, the dashboard and the export ask for is timed on it, over a
  year and over 30 days (best of 3, refresh included);
- one day's refresh from its per-conversation facts (2,740 conversations: a year's average);
- a turn's events through `StatsEventBroker.publish` (the turn's side), and the writer
  thread's rate (conversations written per second).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

CONVERSATIONS = 1_000_000
DAYS = 365
FIRST = dt.date(2025, 12, 1)


def _timed(fn: Any, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(min(times) * 1000, 1)


def build_rollup(
    engine: Any,
    rng: random.Random,
    conversations: int = CONVERSATIONS,
    days: int = DAYS,
    first: dt.date = FIRST,
) -> dict[str, int]:
    """The rollup of `conversations` random conversations over `days` days from `first` (as
    `store._rollup_day` would write it)."""
    from sqlalchemy import func, select

    from bot.directory.needs import NEED_IDS
    from bot.places.territory import served_municipalities
    from bot.stats import store

    codes = [m.code_geo for m in served_municipalities()]
    weights = [max(1, m.population) ** 0.5 for m in served_municipalities()]
    per_day = conversations // days
    rows_daily = rows_kind = 0
    for d in range(days):
        day = (first + dt.timedelta(days=d)).isoformat()
        n = per_day + (1 if d < conversations - per_day * days else 0)
        cells: dict[tuple[str, str, str, str], Counter[str]] = {}
        kinds: Counter[tuple[str, str, str, str, str]] = Counter()
        places = rng.choices(codes, weights, k=n)
        for code in places:
            lang = "fr" if rng.random() < 0.7 else "en"
            chan = "web" if rng.random() < 0.6 else "sms"
            own = rng.sample(NEED_IDS, 1 if rng.random() < 0.8 else 2)
            unmet = rng.random() < 0.15
            handoff = rng.random() < 0.1
            for need in (store.ALL, *own):
                cell = cells.setdefault((need, code, lang, chan), Counter())
                cell.update(conversations=1, unmet=int(unmet), results_shown=1,
                            handoff_requested=int(handoff), handoff_answered=int(handoff))  # fmt: skip
            kinds[("hour", str(rng.randrange(24)), code, lang, chan)] += 1
            if rng.random() < 0.02:
                kinds[("crisis", rng.choice(["suicide", "violence", "medical", "child"]), code, lang, chan)] += 1  # fmt: skip
            if handoff:
                kinds[("outcome", rng.choice(["referred", "information_given"]), code, lang, chan)] += 1  # fmt: skip
                kinds[("wait", str(rng.choice(store.WAIT_BUCKETS[:6])), code, lang, chan)] += 1
        with engine.begin() as conn:
            store.write_day(
                conn, day,
                {key: tuple(c[m] for m in store.MEASURES) for key, c in cells.items()},
                {key: (count,) for key, count in kinds.items()},
            )  # fmt: skip
        rows_daily += len(cells)
        rows_kind += len(kinds)
    with engine.begin() as conn:
        months = conn.execute(select(func.count()).select_from(store.monthly)).scalar()
        months_kind = conn.execute(select(func.count()).select_from(store.monthly_kind)).scalar()
    return {"stats_daily_rows": rows_daily, "stats_daily_kind_rows": rows_kind,
            "stats_monthly_rows": int(months or 0), "stats_monthly_kind_rows": int(months_kind or 0)}  # fmt: skip


def query_times(engine: Any, folder: Path) -> dict[str, float]:
    """Each figure over the last 30 days and over the whole year (ms, best of 3)."""
    from bot.stats.report import Filters

    until = FIRST + dt.timedelta(days=DAYS - 1)
    periods = {
        "year": Filters(since=FIRST, until=until),
        "30_days": Filters(since=until - dt.timedelta(days=29), until=until),
    }
    out: dict[str, float] = {}
    with engine.begin() as conn:
        for name, flt in periods.items():
            out.update(_period_times(conn, name, flt, folder / name))
    out["slowest_year_ms"] = max(v for k, v in out.items() if k.endswith("_year_ms"))
    out["slowest_30_days_ms"] = max(v for k, v in out.items() if k.endswith("_30_days_ms"))
    return out


def _period_times(conn: Any, name: str, flt: Any, folder: Path) -> dict[str, float]:
    from bot.stats.export import export
    from bot.stats.report import BY, Filters, needs_rows
    from bot.stats.web import dashboard

    out = {f"needs_by_{by}_{name}_ms": _timed(lambda by=by: needs_rows(conn, by, flt)) for by in BY}
    out[f"unmet_by_municipality_{name}_ms"] = _timed(
        lambda: needs_rows(conn, "municipality", flt, measure="unmet")
    )
    out[f"dashboard_{name}_ms"] = _timed(lambda: dashboard(conn, flt, "fr", "week", 5))
    out[f"dashboard_by_day_{name}_ms"] = _timed(lambda: dashboard(conn, flt, "fr", "day", 5))
    one = Filters(since=flt.since, until=flt.until, needs=("food",), mrc="66")
    out[f"dashboard_one_need_one_mrc_{name}_ms"] = _timed(
        lambda: dashboard(conn, one, "en", "day", 5)
    )
    out[f"export_{name}_ms"] = _timed(lambda: export(conn, flt, folder))
    return out


def refresh_one_day(engine: Any, rng: random.Random) -> dict[str, float]:
    """A day's facts (2,740 conversations) written through `write_facts`, then its rollup:
    the last day of the year, so its month (already full of days) is shifted too."""
    from bot.stats import store

    day = (FIRST + dt.timedelta(days=DAYS - 1)).isoformat()
    n = CONVERSATIONS // DAYS
    started = time.perf_counter()
    with engine.begin() as conn:
        for i in range(n):
            facts = {"sender_key": f"s{i}", "day": day, "hour": i % 24, "language": "fr",
                     "channel": "web", "code_geo": "66023", "results_shown": True}  # fmt: skip
            store.write_facts(conn, f"bench-{i}", facts, {rng.choice(["food", "housing"]): False})
    write_ms = (time.perf_counter() - started) * 1000 / n
    started = time.perf_counter()
    with engine.begin() as conn:
        store.refresh(conn, today=dt.date.fromisoformat(day))
    return {
        "write_facts_per_conversation_ms": round(write_ms, 3),
        "refresh_one_day_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def recording(url: str) -> dict[str, float]:
    """A turn's events through the broker, timed on the turn's side, and the writer's rate."""
    from bot.stats.broker import StatsEventBroker

    broker = StatsEventBroker(database_url=url, secret="bench")
    broker.flush()
    now = time.time()
    turns: list[float] = []
    conversations = 2000
    started_all = time.perf_counter()
    for c in range(conversations):
        sender = f"bench-{c}"
        script = [
            [{"event": "user", "timestamp": now, "input_channel": "rest", "text": "j'ai faim",
              "parse_data": {"intent": {"name": "need_food"}}},
             {"event": "slot", "name": "need", "value": "food"},
             {"event": "slot", "name": "language", "value": "fr"},
             {"event": "action", "name": "action_search_services"},
             {"event": "bot", "text": "Où êtes-vous?", "metadata": {"utter_action": "utter_ask_place"}}],
            [{"event": "user", "timestamp": now, "input_channel": "rest", "text": "Laval",
              "parse_data": {"intent": {"name": "provide_place"}}},
             {"event": "slot", "name": "place", "value": {"code_geo": "65005", "in_territory": True}},
             {"event": "bot", "text": "Voici", "metadata": {"utter_action": "utter_results_intro"}},
             {"event": "bot", "data": {"custom": {"type": "service_results", "need": "food",
                                                  "page": 1, "widening": None, "cards": []}}},
             {"event": "action", "name": "action_listen"}],
        ]  # fmt: skip
        for turn in script:
            started = time.perf_counter()
            for event in turn:
                broker.publish({"sender_id": sender, **event})
            turns.append((time.perf_counter() - started) * 1000)
    broker.flush()
    elapsed = time.perf_counter() - started_all
    turns.sort()
    return {
        "publish_per_turn_p50_ms": round(statistics.median(turns), 4),
        "publish_per_turn_p99_ms": round(turns[int(len(turns) * 0.99)], 4),
        "conversations_written_per_s": round(conversations / elapsed, 1),
    }


def run() -> dict[str, Any]:
    rng = random.Random(211)
    from bot.stats.broker import open_engine

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'stats.db'}"
        engine = open_engine(url)
        started = time.perf_counter()
        sizes = build_rollup(engine, rng)
        build_s = round(time.perf_counter() - started, 1)
        result: dict[str, Any] = {"conversations": CONVERSATIONS, "days": DAYS, **sizes,
                                  "build_rollup_s": build_s}  # fmt: skip
        result.update(query_times(engine, Path(folder)))
        result.update(refresh_one_day(engine, rng))
        engine.dispose()
        result.update(recording(url))
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
