"""The monthly rollup (bot.stats.store): whole months read from `stats_monthly*`, the edges
from the daily tables, must give exactly what counting the conversations one by one gives,
suppression included, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.stats import store
from bot.stats.broker import open_engine
from bot.stats.report import Filters, by_mrc, cells, mrc_of, needs_rows
from bot.stats.suppression import suppress
from tests.pg import DATABASE_KINDS, fresh_database_url

FIRST = dt.date(2026, 1, 27)
LAST = dt.date(2026, 3, 4)
CODES = ("66023", "65005", "58227", "58033", "73015", "57040")
NEEDS = ("food", "housing", "legal", "health")
FAR = FIRST - dt.timedelta(days=30)
"""`today` of the test's refreshes: no fact is old enough to be dropped."""


@pytest.fixture(params=DATABASE_KINDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    with fresh_database_url(request.param, tmp_path, "stats_monthly") as url:
        engine = open_engine(url)
        yield engine
        engine.dispose()


def conversation(rng: random.Random, day: dt.date) -> dict[str, Any]:
    wait = rng.choice([None, 20, 75, 400])
    return {
        "facts": {
            "sender_key": f"s{rng.random()}", "day": day.isoformat(), "hour": rng.randrange(24),
            "language": rng.choice(["fr", "fr", "en"]), "channel": rng.choice(["web", "sms"]),
            "code_geo": rng.choice(CODES), "crisis": rng.choice(["", "", "", "", "suicide"]),
            "results_shown": rng.random() < 0.8, "widening": rng.choice(["", "", "20km"]),
            "callback_requested": rng.random() < 0.1,
        },
        "needs": {n: rng.random() < 0.3 for n in rng.sample(NEEDS, rng.choice([0, 1, 1, 2]))},
        "wait": wait,
        "outcome": "" if wait is None else rng.choice(["referred", "no_answer"]),
    }  # fmt: skip


def generated(seed: int = 17) -> dict[str, dict[str, Any]]:
    """Conversations on every day from FIRST to LAST (both month edges), a few per day and
    many on some days, so that cells fall on both sides of 5."""
    rng = random.Random(seed)
    out = {}
    day = FIRST
    while day <= LAST:
        for i in range(rng.choice([1, 3, 6, 14])):
            out[f"{day}-{i}"] = conversation(rng, day)
        day += dt.timedelta(days=1)
    return out


def write(engine: Any, convs: dict[str, dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for key, c in convs.items():
            store.write_facts(conn, key, c["facts"], c["needs"])
            if c["wait"] is not None:
                conn.execute(
                    store.conversation.update()
                    .where(store.conversation.c.key == key)
                    .values(handoff_requested=True, handoff_answered=c["wait"] < 300,
                            handoff_wait=c["wait"], handoff_outcome=c["outcome"])
                )  # fmt: skip
        store.refresh(conn, today=FAR)


def kept(c: dict[str, Any], flt: Filters) -> bool:
    f, sql = c["facts"], flt.sql()
    return (
        flt.since.isoformat() <= f["day"] <= (flt.until or LAST).isoformat()
        and (not sql["codes"] or f["code_geo"] in sql["codes"])
        and (not flt.language or f["language"] == flt.language)
        and (not flt.channel or f["channel"] == flt.channel)
    )


def expected_cells(convs: dict[str, dict[str, Any]], by: str, flt: Filters, measure: str) -> dict:
    """Counting conversation by conversation (what the rollup must sum to)."""
    found: Counter[tuple[str, str]] = Counter()
    for c in convs.values():
        if not kept(c, flt):
            continue
        for need, unmet in c["needs"].items():
            if flt.needs and need not in flt.needs:
                continue
            column = {"municipality": c["facts"]["code_geo"], "need": "all", "day": need,
                      "mrc": mrc_of().get(c["facts"]["code_geo"], "")}[by]  # fmt: skip
            row = c["facts"]["day"] if by == "day" else need
            found[(row, column)] += 1 if measure == "conversations" else int(unmet)
    return {key: n for key, n in found.items() if n}


def expected_kinds(convs: dict[str, dict[str, Any]], kind: str, flt: Filters) -> dict[str, int]:
    found: Counter[str] = Counter()
    for c in convs.values():
        if kept(c, flt):
            value = {
                "crisis": c["facts"]["crisis"], "outcome": c["outcome"],
                "wait": "" if c["wait"] is None else str(store.wait_bucket(c["wait"])),
                "hour": str(c["facts"]["hour"]),
            }[kind]  # fmt: skip
            found[value] += 1 if value else 0
    return {v: n for v, n in found.items() if n}


def expected_totals(convs: dict[str, dict[str, Any]], flt: Filters) -> dict[str, int]:
    rows = [c for c in convs.values() if kept(c, flt)]
    return {
        "conversations": len(rows),
        "unmet": sum(any(c["needs"].values()) for c in rows),
        "results_shown": sum(c["facts"]["results_shown"] for c in rows),
        "widened": sum(bool(c["facts"]["widening"]) for c in rows),
        "handoff_requested": sum(c["wait"] is not None for c in rows),
        "handoff_answered": sum(c["wait"] is not None and c["wait"] < 300 for c in rows),
        "callback_requested": sum(c["facts"]["callback_requested"] for c in rows),
    }


PERIODS = [
    (FIRST, None),  # everything: two edges and a whole month, open end
    (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),  # exactly one whole month
    (dt.date(2026, 1, 30), dt.date(2026, 3, 2)),  # partial, whole, partial
    (dt.date(2026, 2, 3), dt.date(2026, 2, 20)),  # inside one month
    (dt.date(2026, 1, 31), dt.date(2026, 2, 1)),  # two edges, no whole month
    (dt.date(2026, 2, 1), None),  # a whole month and the running one
    (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),  # whole months around the data
]
FILTERS = [
    {},
    {"language": "en"},
    {"channel": "sms", "code_geo": "66023"},
    {"mrc": "58"},
    {"needs": ("food",)},
]


def test_monthly_rollup_sums_to_its_days_and_queries_match_counting_one_by_one(
    engine: Any,
) -> None:
    convs = generated()
    write(engine, convs)
    # change conversations of days already rolled up (a late handoff, a moved place, a
    # conversation that leaves a cell empty) and roll them up again
    rng = random.Random(5)
    changed = rng.sample(sorted(convs), 40)
    for key in changed:
        convs[key]["facts"]["code_geo"] = rng.choice(CODES)
        convs[key]["facts"]["language"] = "en"
        convs[key]["needs"] = {**convs[key]["needs"], "legal": True}
    write(engine, {key: convs[key] for key in changed})

    with engine.begin() as conn:
        by_month = (
            select(func.substr(store.daily.c.day, 1, 7), store.daily.c.need,
                   store.daily.c.code_geo, store.daily.c.language, store.daily.c.channel,
                   *[func.sum(store.daily.c[m]) for m in store.MEASURES])
            .group_by(func.substr(store.daily.c.day, 1, 7), store.daily.c.need,
                      store.daily.c.code_geo, store.daily.c.language, store.daily.c.channel)
        )  # fmt: skip
        assert sorted(tuple(r) for r in conn.execute(by_month)) == sorted(
            tuple(r) for r in conn.execute(select(store.monthly))
        )
        checked = 0
        for since, until in PERIODS:
            for extra in FILTERS:
                flt = Filters(since=since, until=until, **extra)
                for by in ("municipality", "mrc", "need", "day"):
                    for measure in ("conversations", "unmet"):
                        want = expected_cells(convs, by, flt, measure)
                        assert cells(conn, by, flt, measure) == want, (since, until, extra, by)
                        if by == "mrc":  # the export sums its municipalities' cells
                            assert by_mrc(cells(conn, "municipality", flt, measure)) == want
                        done = suppress(want, 5)
                        rows = needs_rows(conn, by, flt, measure=measure, k=5)
                        assert len(rows) == len(want)
                        for row in rows:
                            key = tuple(
                                row[n]
                                for n in ("need", "code_geo", "day", "mrc")
                                if row.get(n) is not None
                            )
                            key = (key[1], key[0]) if by == "day" else key
                            key = (key[0], "all") if by == "need" else key
                            assert row["suppressed"] == (key in done.hidden)
                            assert row["count"] == done.value(key)
                            checked += row["suppressed"]
                sql = flt.sql()
                for kind in ("crisis", "outcome", "wait", "hour"):
                    got = {r["value"]: r["count"] for r in store.kind_counts(conn, kind, sql)}
                    assert got == expected_kinds(convs, kind, flt), (since, until, extra, kind)
                if not flt.needs:
                    [total] = store.daily_counts(conn, [], sql, store.MEASURES, need=store.ALL)
                    assert total == expected_totals(convs, flt), (since, until, extra)
        assert checked > 20  # suppression was exercised, not only published counts


def test_a_period_is_cut_into_whole_months_and_edges() -> None:
    assert store.pieces("2025-12-01", "2026-11-30") == [("month", "2025-12", "2026-11")]
    assert store.pieces("2026-01-15", "2026-03-10") == [
        ("day", "2026-01-15", "2026-01-31"), ("month", "2026-02", "2026-02"),
        ("day", "2026-03-01", "2026-03-10")]  # fmt: skip
    assert store.pieces("2026-02-02", "2026-02-27") == [("day", "2026-02-02", "2026-02-27")]
    assert store.pieces("2024-02-10", None) == [
        ("day", "2024-02-10", "2024-02-29"), ("month", "2024-03", None)]  # fmt: skip
    assert store.pieces(None, "2026-03-31") == [("month", None, "2026-03")]


def test_the_migration_fills_the_months_from_the_days_already_rolled_up(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect

    from bot.db import upgrade

    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade(url, "0005")
    engine = create_engine(url, future=True)
    rows = [
        {"day": day, "need": need, "code_geo": "66023", "language": "fr", "channel": "web",
         **{m: n + i for i, m in enumerate(store.MEASURES)}}
        for day, need, n in (("2026-01-31", "", 3), ("2026-02-01", "", 4), ("2026-02-28", "", 5),
                             ("2026-02-28", "food", 2))
    ]  # fmt: skip
    kinds = [
        {"day": "2026-02-01", "kind": "crisis", "value": "suicide", "code_geo": "66023",
         "language": "fr", "channel": "web", "conversations": 1},
        {"day": "2026-02-02", "kind": "crisis", "value": "suicide", "code_geo": "66023",
         "language": "fr", "channel": "web", "conversations": 2},
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(store.daily.insert(), rows)
        conn.execute(store.daily_kind.insert(), kinds)
    upgrade(url)
    with engine.begin() as conn:
        months = {(r["month"], r["need"]): r["conversations"] for r in
                  conn.execute(select(store.monthly)).mappings()}  # fmt: skip
        assert months == {("2026-01", ""): 3, ("2026-02", ""): 9, ("2026-02", "food"): 2}
        [kind] = conn.execute(select(store.monthly_kind)).mappings().all()
        assert (kind["month"], kind["value"], kind["conversations"]) == ("2026-02", "suicide", 3)
        indexes = {i["name"] for i in inspect(conn).get_indexes("stats_daily")}
        assert "ix_stats_daily_cover" in indexes and "ix_stats_daily_need_day" not in indexes
    engine.dispose()
