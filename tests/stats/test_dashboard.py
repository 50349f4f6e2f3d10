"""The dashboard's figures and page from a rollup (bot.stats.web), both languages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.stats import store
from bot.stats.broker import open_engine
from bot.stats.report import Filters
from bot.stats.web import _templates, dashboard

DAY = dt.date(2026, 11, 30)


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    engine = open_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    with engine.begin() as conn:
        for i in range(7):
            facts = {"sender_key": f"s{i}", "day": DAY.isoformat(), "hour": 9,
                     "language": "fr" if i < 5 else "en", "channel": "web", "code_geo": "66023",
                     "crisis": "suicide" if i == 0 else "", "results_shown": True}  # fmt: skip
            store.write_facts(conn, f"c{i}", facts, {"food": i > 4})
    yield engine
    engine.dispose()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_page_shows_counts_and_hides_small_ones(engine: Any, language: str) -> None:
    with engine.begin() as conn:
        figures = dashboard(conn, Filters(since=DAY), language, "day", 5)
    assert figures["total"] == 7 and figures["timeline"] == [("2026-11-30", 7)]
    assert figures["crisis"] == [(texts.t("stats.crisis.suicide", language), None)]
    html = _templates().get_template("stats.html").render(
        lang=language, t=lambda key, **v: texts.t(key, language, **v), f=figures,
        flt=Filters(since=DAY), step="day", k=5, needs=[], municipalities=[], mrcs=[],
        channels=(), attribution="MAMH",
    )  # fmt: skip
    assert texts.t("stats.title", language) in html
    assert texts.t("stats.suppressed", language, k=5) in html  # the crisis, the unmet needs
    assert "<svg" in html and 'class="spot"' in html  # the map has Montréal
