"""Facts → daily rollup → `needs_rows` and the open-data export (bot.stats.store, export)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from bot.stats import store
from bot.stats.broker import open_engine
from bot.stats.export import export
from bot.stats.report import Filters, needs_rows

DAY = dt.date(2026, 11, 30)
SECRET_TEXT = "mon propriétaire me met dehors rue Wellington"


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    engine = open_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    yield engine
    engine.dispose()


def facts(code_geo: str, **more: Any) -> dict[str, Any]:
    row = {"sender_key": "person-key-1", "day": DAY.isoformat(), "hour": 10, "language": "fr",
           "channel": "web", "code_geo": code_geo, "borough": "", "fsa": "", "crisis": "",
           "results_shown": True, "widening": "", "fallback_211": "", "outside_211": "",
           "handoff_requested": False, "callback_requested": False}  # fmt: skip
    return {**row, **more}


def fill(engine: Any, plan: list[tuple[str, str, int, bool]]) -> None:
    """(need, code_geo, conversations, unmet) → that many conversations."""
    with engine.begin() as conn:
        for index, (need, code, n, unmet) in enumerate(plan):
            for i in range(n):
                store.write_facts(conn, f"c{index}-{i}", facts(code), {need: unmet})


def test_rollup_counts_conversations_and_suppresses(engine: Any) -> None:
    fill(engine, [("food", "66023", 12, False), ("food", "65005", 3, True),
                  ("housing", "66023", 7, True), ("housing", "65005", 9, False)])  # fmt: skip
    with engine.begin() as conn:
        rows = needs_rows(conn, "municipality", Filters(since=DAY), k=5)
        raw = needs_rows(conn, "municipality", Filters(since=DAY), k=1)
        unmet = needs_rows(conn, "need", Filters(since=DAY), measure="unmet", k=1)
        day = needs_rows(conn, "day", Filters(since=DAY, needs=("food",)), k=1)
    assert {(r["need"], r["code_geo"]): r["count"] for r in raw} == {
        ("food", "66023"): 12, ("food", "65005"): 3,
        ("housing", "66023"): 7, ("housing", "65005"): 9}  # fmt: skip
    assert set(rows[0]) == {"need", "code_geo", "day", "count", "suppressed"}
    small = next(r for r in rows if (r["need"], r["code_geo"]) == ("food", "65005"))
    assert small == {"need": "food", "code_geo": "65005", "day": None, "count": None,
                     "suppressed": True}  # fmt: skip
    assert sum(r["suppressed"] for r in rows) >= 2  # complementary
    assert {r["need"]: r["count"] for r in unmet} == {"food": 3, "housing": 7}
    assert day == [{"need": "food", "code_geo": None, "day": "2026-11-30", "count": 15,
                    "suppressed": False}]  # fmt: skip


def test_handoff_close_lands_on_the_latest_conversation(engine: Any) -> None:
    with engine.begin() as conn:
        store.write_facts(conn, "c1", facts("66023", sender_key="person"), {"legal": False})
        assert store.record_handoff(conn, "person", answered=True, wait=95,
                                    outcome="referred", unmet_needs=["legal"])  # fmt: skip
        assert not store.record_handoff(conn, "nobody", answered=False, wait=None, outcome="x")
        store.refresh(conn)
        flt = Filters(since=DAY).sql()
        assert store.kind_counts(conn, "outcome", flt) == [{"value": "referred", "count": 1}]
        assert store.kind_counts(conn, "wait", flt) == [{"value": "60", "count": 1}]
        assert needs_rows(conn, "need", Filters(since=DAY), measure="unmet", k=1)[0]["count"] == 1


def test_facts_are_dropped_after_their_week_and_the_rollup_stays(engine: Any) -> None:
    fill(engine, [("food", "66023", 6, False)])
    with engine.begin() as conn:
        store.refresh(conn, today=DAY + dt.timedelta(days=store.FACT_DAYS + 1))
        assert conn.execute(store.conversation.select()).all() == []
        assert needs_rows(conn, "need", Filters(since=DAY), k=5)[0]["count"] == 6


def test_export_publishes_no_cell_under_5_and_no_text(engine: Any, tmp_path: Path) -> None:
    fill(engine, [("food", "66023", 12, False), ("food", "65005", 3, True),
                  ("housing", "66023", 7, True), ("housing", "65005", 9, False),
                  ("legal", "58227", 1, True), ("food", "58227", 30, False)])  # fmt: skip
    with engine.begin() as conn:
        store.write_facts(conn, "crisis-1", facts("66023", crisis="suicide"), {})
    folder = tmp_path / "open"
    with engine.begin() as conn:
        package = export(conn, Filters(since=DAY), folder, k=1)  # never below 5 anyway
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert {r["path"] for r in descriptor["resources"]} == {p.name for p in folder.glob("*.csv")}
    published = 0
    for resource in descriptor["resources"]:
        with (folder / resource["path"]).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["suppressed"] == "true":
                    assert row["count"] == ""
                else:
                    assert int(row["count"]) >= 5 or int(row["count"]) == 0
                    published += 1
    assert published > 5
    with (folder / "crises_by_kind.csv").open(encoding="utf-8") as handle:
        assert all(r["suppressed"] == "true" for r in csv.DictReader(handle))
    everything = b"".join(p.read_bytes() for p in folder.iterdir())
    for word in (SECRET_TEXT, "person-key-1", "c0-0", "crisis-1"):
        assert word.encode("utf-8") not in everything
