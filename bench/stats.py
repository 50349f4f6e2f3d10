"""Needs analytics at scale: 1 million conversations in the rollup, the queries on it, and
what recording costs a turn.

- the rollup of 1,000,000 conversations over a year (random needs, municipalities of the
  territory, languages, channels, crises, handoffs) is built the way `store.refresh` builds
  it, day by day, into a SQLite file;
- every figure the CLI, the API and the dashboard ask for is timed on it (a year and 30 days);
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
    from sqlalchemy import insert

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
            conn.execute(insert(store.daily), [
                {"day": day, "need": need, "code_geo": code, "language": lang, "channel": chan,
                 "conversations": c["conversations"], "unmet": c["unmet"],
                 "results_shown": c["results_shown"], "widened": 0,
                 "handoff_requested": c["handoff_requested"],
                 "handoff_answered": c["handoff_answered"], "callback_requested": 0}
                for (need, code, lang, chan), c in cells.items()
            ])  # fmt: skip
            conn.execute(insert(store.daily_kind), [
                {"day": day, "kind": k, "value": v, "code_geo": code, "language": lang,
                 "channel": chan, "conversations": count}
                for (k, v, code, lang, chan), count in kinds.items()
            ])  # fmt: skip
        rows_daily += len(cells)
        rows_kind += len(kinds)
    return {"stats_daily_rows": rows_daily, "stats_daily_kind_rows": rows_kind}


def query_times(engine: Any) -> dict[str, float]:
    from bot.stats.report import Filters, needs_rows
    from bot.stats.web import dashboard

    year = Filters(since=FIRST, until=FIRST + dt.timedelta(days=DAYS - 1))
    month = Filters(since=FIRST + dt.timedelta(days=DAYS - 30), until=year.until)
    out: dict[str, float] = {}
    with engine.begin() as conn:
        for by in ("municipality", "mrc", "need", "day"):
            out[f"needs_by_{by}_year_ms"] = _timed(lambda by=by: needs_rows(conn, by, year))
        out["needs_by_municipality_30_days_ms"] = _timed(
            lambda: needs_rows(conn, "municipality", month)
        )
        out["unmet_by_municipality_year_ms"] = _timed(
            lambda: needs_rows(conn, "municipality", year, measure="unmet")
        )
        out["dashboard_year_ms"] = _timed(lambda: dashboard(conn, year, "fr", "week", 5))
        out["dashboard_30_days_ms"] = _timed(lambda: dashboard(conn, month, "fr", "day", 5))
        one = Filters(since=year.since, until=year.until, needs=("food",), mrc="66")
        out["dashboard_year_one_need_one_mrc_ms"] = _timed(
            lambda: dashboard(conn, one, "en", "day", 5)
        )
    return out


def refresh_one_day(engine: Any, rng: random.Random) -> dict[str, float]:
    """A day's facts (2,740 conversations) written through `write_facts`, then its rollup."""
    from bot.stats import store

    day = (FIRST + dt.timedelta(days=DAYS)).isoformat()
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
        result.update(query_times(engine))
        result.update(refresh_one_day(engine, rng))
        engine.dispose()
        result.update(recording(url))
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
