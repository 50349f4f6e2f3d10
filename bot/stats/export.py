"""Open-data export: CSV tables and a Frictionless data package descriptor.

Every table is a two-way (or one-way) table of conversation counts with its margins, through
`bot.stats.suppression` at the open-data threshold (5, never lower): a withheld cell has an
empty `count` and `suppressed=true`, and complementary suppression leaves no cell that a
total minus the others gives back. Only codes are written (need ids, Open Eligibility codes,
MAMH code_geo and names, MRC codes, channel and language codes): no text of any
conversation, no identifier of a person or a conversation.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from bot.stats import report, store
from bot.stats.suppression import TOTAL, K, suppress

LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}
ATTRIBUTION = (
    "Municipalities and MRC: MAMH Répertoire des municipalités and SDA (CC BY 4.0, © "
    "Gouvernement du Québec); GeoNames (CC BY 4.0). Needs: Open Eligibility taxonomy."
)


def _oe(need: Hashable) -> str:
    from bot.directory.needs import NEED_IDS, open_eligibility_terms

    return " ".join(open_eligibility_terms(str(need))) if need in NEED_IDS else ""


def _table(
    path: Path,
    rows_name: str,
    cols_name: str,
    counts: dict[tuple[Hashable, Hashable], int],
    k: int,
    extra: dict[str, Callable[[Hashable, Hashable], str]] | None = None,
) -> dict[str, Any]:
    """Write one suppressed table with margins; its resource descriptor."""
    done = suppress(counts, k)
    extra = extra or {}
    header = [rows_name, cols_name, *extra, "count", "suppressed"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for cell in sorted(
            done.counts, key=lambda c: (c[0] == TOTAL, str(c[0]), c[1] == TOTAL, str(c[1]))
        ):
            value = done.value(cell)
            writer.writerow(
                [cell[0], cell[1], *(f(*cell) for f in extra.values()),
                 "" if value is None else value, "true" if value is None else "false"]
            )  # fmt: skip
    fields = [{"name": name, "type": "string"} for name in header[:-2]]
    fields += [
        {"name": "count", "type": "integer", "description": f"conversations; empty when fewer than {k} or when it would reveal one that is"},
        {"name": "suppressed", "type": "boolean"},
    ]  # fmt: skip
    return {
        "name": path.stem.replace("_", "-"),
        "path": path.name,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": fields, "missingValues": [""]},
    }


def export(conn: Connection, flt: report.Filters, folder: Path, k: int = K) -> Path:
    """Write the tables of the period to `folder`; the path of datapackage.json."""
    k = max(k, K)
    folder.mkdir(parents=True, exist_ok=True)
    names = report.place_names()
    resources = []

    def place(_need: Hashable, code: Hashable) -> str:
        return names.get(str(code), "") if code != TOTAL else ""

    def mrc_name(_need: Hashable, code: Hashable) -> str:
        return names.get(f"mrc:{code}", "") if code != TOTAL else ""

    def oe(need: Hashable, _col: Hashable) -> str:
        return _oe(need)

    both = report.cells_of(conn, "municipality", flt, ("conversations", "unmet"))
    by_place, unmet = both["conversations"], both["unmet"]
    resources.append(_table(folder / "needs_by_municipality.csv", "need", "code_geo", by_place, k,
                            {"open_eligibility": oe, "municipality": place}))  # fmt: skip
    resources.append(_table(folder / "unmet_needs_by_municipality.csv", "need", "code_geo", unmet, k,
                            {"open_eligibility": oe, "municipality": place}))  # fmt: skip
    by_mrc = report.by_mrc(by_place)
    resources.append(_table(folder / "needs_by_mrc.csv", "need", "mrc", by_mrc, k,
                            {"open_eligibility": oe, "mrc_name": mrc_name}))  # fmt: skip
    by_day = report.cells(conn, "day", flt)
    resources.append(_table(folder / "needs_by_day.csv", "day", "need", by_day, k))
    sql = flt.sql()
    crisis: dict[tuple[Hashable, Hashable], int] = {
        (r["value"], "all"): r["count"] for r in store.kind_counts(conn, "crisis", sql)
    }
    resources.append(_table(folder / "crises_by_kind.csv", "crisis", "all", crisis, k))
    shares = {
        (r["language"], r["channel"]): r["conversations"]
        for r in store.daily_counts(
            conn, ["language", "channel"], sql, ("conversations",), need=store.ALL
        )
        if r["conversations"]
    }
    resources.append(_table(folder / "conversations_by_language_channel.csv", "language",
                            "channel", shares, k))  # fmt: skip
    package = {
        "profile": "tabular-data-package",
        "name": "relais-211-needs",
        "title": "Relais 211 — besoins exprimés / needs expressed",
        "description": (
            f"Conversations with the Relais 211 assistant, {flt.since.isoformat()} to "
            f"{(flt.until.isoformat() if flt.until else 'today')}: counts of conversations by "
            f"need, place, day, crisis kind, language and channel. Cells under {k} "
            "conversations, and cells that would reveal one by subtraction, are suppressed."
        ),
        "licenses": [LICENSE],
        "sources": [{"title": ATTRIBUTION}],
        "resources": resources,
    }
    path = folder / "datapackage.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


__all__ = ["export"]
