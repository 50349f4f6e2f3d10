"""The figures the CLI, the API and the dashboard show, from the rollup, suppressed.

`needs_rows` is the contract of `relais stats needs --json` and `GET /api/v1/stats/needs`:
one row per cell, with the keys `need`, `code_geo`, `day`, `count`, `suppressed` (and `mrc`
when grouped by MRC). A suppressed row has `count: null`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Connection

from bot.stats import store
from bot.stats.suppression import TOTAL, K, suppress

BY = ("municipality", "mrc", "need", "day")
MEASURES = ("conversations", "unmet")


def staff_threshold() -> int:
    """Threshold of the staff views (`RELAIS_STATS_MIN_COUNT`, default the open-data 5; 1
    shows every count, for a test or an audit)."""
    try:
        return max(1, int(os.environ.get("RELAIS_STATS_MIN_COUNT", str(K))))
    except ValueError:
        return K


@dataclass(frozen=True)
class Filters:
    """What a query keeps: a period (days, inclusive) and optional dimensions."""

    since: dt.date
    until: dt.date | None = None
    needs: tuple[str, ...] = ()
    code_geo: str | None = None
    mrc: str | None = None
    language: str | None = None
    channel: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def sql(self) -> dict[str, Any]:
        codes = None
        if self.code_geo:
            codes = [self.code_geo]
        elif self.mrc:
            codes = [code for code, mrc in mrc_of().items() if mrc == self.mrc] or ["-"]
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "codes": codes,
            "language": self.language,
            "channel": self.channel,
        }


@lru_cache(maxsize=1)
def mrc_of() -> dict[str, str]:
    """code_geo → MRC code, for every municipality of Québec."""
    from bot.places.data import municipalities

    return {code: m.mrc_code for code, m in municipalities().items()}


@lru_cache(maxsize=1)
def place_names() -> dict[str, str]:
    """code_geo and MRC code → name."""
    from bot.places.data import mrc_names, municipalities

    names = {code: m.name for code, m in municipalities().items()}
    names.update({f"mrc:{code}": name for code, name in mrc_names().items()})
    return names


def cells(conn: Connection, by: str, flt: Filters, measure: str = "conversations") -> dict:
    """Counts keyed (row, column) for `by`: (need, code_geo), (need, mrc), (need, "all") or
    (day, need)."""
    return cells_of(conn, by, flt, (measure,))[measure]


def cells_of(conn: Connection, by: str, flt: Filters, measures: tuple[str, ...]) -> dict[str, dict]:
    """`cells` of several measures from one query: measure → counts."""
    store.refresh(conn)
    groups = {"municipality": ["need", "code_geo"], "mrc": ["need", "code_geo"],
              "need": ["need"], "day": ["day", "need"]}[by]  # fmt: skip
    rows = store.daily_counts(conn, groups, flt.sql(), measures, needs=flt.needs)
    found: dict[str, dict[tuple[Hashable, Hashable], int]] = {m: defaultdict(int) for m in measures}
    for row in rows:
        if by == "municipality":
            key: tuple[Hashable, Hashable] = (row["need"], row["code_geo"])
        elif by == "mrc":
            key = (row["need"], mrc_of().get(row["code_geo"], ""))
        elif by == "need":
            key = (row["need"], "all")
        else:
            key = (row["day"], row["need"])
        for measure in measures:
            found[measure][key] += row[measure]
    return {m: {key: n for key, n in counts.items() if n} for m, counts in found.items()}


def by_mrc(by_place: Mapping[tuple[Hashable, Hashable], int]) -> dict:
    """(need, code_geo) counts summed by (need, MRC): `cells(…, "mrc", …)` without a query."""
    found: dict[tuple[Hashable, Hashable], int] = defaultdict(int)
    for (need, code), n in by_place.items():
        found[(need, mrc_of().get(str(code), ""))] += n
    return {key: n for key, n in found.items() if n}


def needs_rows(
    conn: Connection, by: str, flt: Filters, *, measure: str = "conversations", k: int = K
) -> list[dict[str, Any]]:
    """The rows of `relais stats needs` (suppressed with threshold `k`)."""
    if by not in BY:
        raise ValueError(by)
    counts = cells(conn, by, flt, measure)
    done = suppress(counts, k)
    out = []
    for key in sorted(counts, key=lambda c: (str(c[0]), str(c[1]))):
        hidden = key in done.hidden
        row: dict[str, Any] = {"need": None, "code_geo": None, "day": None}
        if by == "municipality":
            row.update(need=key[0], code_geo=key[1])
        elif by == "mrc":
            row.update(need=key[0], mrc=key[1])
        elif by == "need":
            row.update(need=key[0])
        else:
            row.update(day=key[0], need=key[1])
        row.update(count=None if hidden else counts[key], suppressed=hidden)
        out.append(row)
    return out


def outcome_rows(conn: Connection, flt: Filters, k: int = K) -> list[dict[str, Any]]:
    """The rows of `relais stats outcomes`: how counsellors closed the contacts (one per
    conversation: its latest), `outcome`, `count`, `suppressed`, largest first."""
    store.refresh(conn)
    counts = {
        str(r["value"]): int(r["count"]) for r in store.kind_counts(conn, "outcome", flt.sql())
    }
    done = suppress({(v, "all"): n for v, n in counts.items() if n}, k)
    rows = [
        {"outcome": v, "count": None if (v, "all") in done.hidden else n,
         "suppressed": (v, "all") in done.hidden}
        for v, n in counts.items() if n
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-(r["count"] or 0), r["outcome"]))


def margins(counts: Mapping[tuple[Hashable, Hashable], int], k: int = K) -> dict[str, Any]:
    """Row, column and grand totals after suppression (for the dashboard's tables)."""
    done = suppress(counts, k)
    return {
        "rows": {r: done.value((r, TOTAL)) for (r, c) in done.counts if c == TOTAL and r != TOTAL},
        "cols": {c: done.value((TOTAL, c)) for (r, c) in done.counts if r == TOTAL and c != TOTAL},
        "grand": done.value((TOTAL, TOTAL)),
        "cells": {cell: done.value(cell) for cell in counts},
    }


__all__ = [
    "BY",
    "Filters",
    "by_mrc",
    "cells",
    "cells_of",
    "margins",
    "needs_rows",
    "outcome_rows",
    "staff_threshold",
]
