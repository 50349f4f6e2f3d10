"""How counsellors closed their contacts, in `relais stats`: the outcome and the unmet needs
the console records (`bot.stats.store.record_handoff`, called when a contact is closed) come
out of `relais stats outcomes` and `relais stats needs --unmet`, suppressed like every count."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.settings import ROOT
from bot.stats import store
from bot.stats.broker import open_engine
from bot.stats.report import Filters, outcome_rows

DAY = dt.date.today()
PLAN = [("referred", 6, ["legal"]), ("crisis_line_given", 2, ["mental_health"]),
        ("no_answer", 1, [])]  # fmt: skip


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'stats.db'}"
    engine = open_engine(url)
    with engine.begin() as conn:
        for outcome, n, unmet in PLAN:
            for i in range(n):
                key = f"{outcome}-{i}"
                facts = {"sender_key": key, "day": DAY.isoformat(), "hour": 10,
                         "language": "fr", "channel": "web", "code_geo": "66023"}  # fmt: skip
                store.write_facts(conn, key, facts, {"housing": False})
                assert store.record_handoff(conn, key, answered=True, wait=30,
                                            outcome=outcome, unmet_needs=unmet)  # fmt: skip
    engine.dispose()
    return url


def relais(url: str, *args: str, threshold: str = "1") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "stats", *args, "--since", DAY.isoformat()],
        capture_output=True, text=True, cwd=ROOT, check=False,
        env={**os.environ, "RELAIS_DATABASE_URL": url, "RELAIS_STATS_MIN_COUNT": threshold},
    )  # fmt: skip


def test_outcome_rows_are_counted_and_suppressed(database: str) -> None:
    engine = open_engine(database)
    try:
        with engine.begin() as conn:
            raw = outcome_rows(conn, Filters(since=DAY), k=1)
            hidden = outcome_rows(conn, Filters(since=DAY), k=5)
    finally:
        engine.dispose()
    assert raw == [
        {"outcome": "referred", "count": 6, "suppressed": False},
        {"outcome": "crisis_line_given", "count": 2, "suppressed": False},
        {"outcome": "no_answer", "count": 1, "suppressed": False},
    ]
    shown: dict[str, Any] = {r["outcome"]: r["count"] for r in hidden}
    assert shown == {"referred": 6, "crisis_line_given": None, "no_answer": None}
    assert all(r["suppressed"] == (r["count"] is None) for r in hidden)


def test_relais_stats_shows_outcomes_and_unmet_needs(database: str) -> None:
    done = relais(database, "outcomes", "--json")
    assert done.returncode == 0, done.stderr
    rows = {r["outcome"]: r["count"] for r in json.loads(done.stdout)}
    assert rows == {"referred": 6, "crisis_line_given": 2, "no_answer": 1}
    for lang, word in (("fr", "Orienté vers un organisme"), ("en", "Referred")):
        text = relais(database, "outcomes", "--lang", lang)
        assert text.returncode == 0 and word in text.stdout, text
    unmet = relais(database, "needs", "--unmet", "--by", "need", "--json")
    assert unmet.returncode == 0, unmet.stderr
    counts = {r["need"]: r["count"] for r in json.loads(unmet.stdout)}
    assert counts.get("legal") == 6 and counts.get("mental_health") == 2
    helped = subprocess.run([sys.executable, "-m", "bot.cli", "stats", "--help"],
                            capture_output=True, text=True, cwd=ROOT, check=False)  # fmt: skip
    assert "outcomes  issues des contacts" in helped.stdout
