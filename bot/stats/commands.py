"""`relais stats …`: the needs figures and the open-data export, from the server's shell.

- `relais stats needs --since YYYY-MM-DD [--until YYYY-MM-DD] --by municipality|mrc|need|day
  [--json] [--unmet] [--need ID] [--code-geo CODE | --mrc CODE] [--language fr|en]
  [--channel web|sms|rest]`: one row per cell, suppressed below `RELAIS_STATS_MIN_COUNT`
  (default 5);
- `relais stats outcomes --since YYYY-MM-DD [--json] […filters]`: how counsellors closed the
  contacts (referred, information given, crisis line given, callback, no answer…), suppressed
  the same way; the unmet needs they noted count in `relais stats needs --unmet`;
- `relais stats export --since YYYY-MM-DD [--until …] DIR`: CSV + datapackage.json, cells
  under 5 suppressed (complementary suppression included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.texts.terminal import say


def _both(key: str) -> str:
    from bot.texts import t

    return f"{t(key, 'fr')} / {t(key, 'en')}"


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"YYYY-MM-DD: {value!r}") from exc


def _period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=_day, required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--until", type=_day, metavar="YYYY-MM-DD")
    parser.add_argument("--need", action="append", default=[], metavar="ID")
    parser.add_argument("--code-geo", metavar="CODE")
    parser.add_argument("--mrc", metavar="CODE")
    parser.add_argument("--language", choices=["fr", "en"])
    parser.add_argument("--channel", metavar="CHANNEL")
    parser.add_argument("--lang", choices=["fr", "en"], default="fr")


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("stats", help=_both("stats.help.group"))
    commands = group.add_subparsers(dest="stats_command", metavar="COMMAND", required=True)
    needs = commands.add_parser("needs", help=_both("stats.help.needs"))
    _period(needs)
    needs.add_argument("--by", choices=["municipality", "mrc", "need", "day"], default="need")
    needs.add_argument("--unmet", action="store_true", help=_both("stats.help.unmet"))
    needs.add_argument("--json", action="store_true")
    needs.set_defaults(handler=_needs)
    outcomes = commands.add_parser("outcomes", help=_both("stats.help.outcomes"))
    _period(outcomes)
    outcomes.add_argument("--json", action="store_true")
    outcomes.set_defaults(handler=_outcomes)
    export = commands.add_parser("export", help=_both("stats.help.export"))
    _period(export)
    export.add_argument("folder", type=Path, metavar="DIR")
    export.set_defaults(handler=_export)


def filters(args: argparse.Namespace):
    from bot.stats.report import Filters

    return Filters(
        since=args.since, until=args.until, needs=tuple(args.need), code_geo=args.code_geo,
        mrc=args.mrc, language=args.language, channel=args.channel,
    )  # fmt: skip


def _engine():
    from bot.settings import get_settings
    from bot.stats.broker import open_engine

    return open_engine(get_settings().database_url)


def _read(query: Callable[[Any], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Rows of one report query, in one transaction."""
    engine = _engine()
    try:
        with engine.begin() as conn:
            return query(conn)
    finally:
        engine.dispose()


def _show(args: argparse.Namespace, rows: list[dict[str, Any]], line: Callable[..., str]) -> int:
    """The rows as JSON (`--json`), or one line each (`line(row, count)`; a suppressed count
    reads "<5"), or the polite "nothing" in the asked language."""
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    if not rows:
        say(args.lang, "stats.cli.empty")
    for row in rows:
        print(line(row, "<5" if row["suppressed"] else str(row["count"])))
    return 0


def _needs(args: argparse.Namespace) -> int:
    from bot.stats.report import needs_rows, staff_threshold

    measure = "unmet" if args.unmet else "conversations"
    rows = _read(
        lambda conn: needs_rows(conn, args.by, filters(args), measure=measure, k=staff_threshold())
    )

    def line(row: dict[str, Any], count: str) -> str:
        where = row.get("code_geo") or row.get("mrc") or row.get("day") or ""
        return f"{row['need'] or '':16} {where:12} {count:>8}"

    return _show(args, rows, line)


def _outcomes(args: argparse.Namespace) -> int:
    from bot.stats.report import outcome_rows, staff_threshold
    from bot.texts import has, t

    rows = _read(lambda conn: outcome_rows(conn, filters(args), k=staff_threshold()))

    def line(row: dict[str, Any], count: str) -> str:
        key = f"stats.outcome.{row['outcome']}"
        return f"{t(key, args.lang) if has(key) else row['outcome']:32} {count:>8}"

    return _show(args, rows, line)


def _export(args: argparse.Namespace) -> int:
    from bot.stats.export import export

    engine = _engine()
    try:
        with engine.begin() as conn:
            path = export(conn, filters(args), args.folder)
    finally:
        engine.dispose()
    say(args.lang, "stats.cli.exported", path=str(path))
    return 0
