"""The staff dashboard `/console/stats` and the API `GET /api/v1/stats/needs`.

Both need the staff role (`bot.handoff.roles`): the page through the console login (a
counsellor gets 403), the API through a staff console session token, as the console cookie
or `Authorization: Bearer <token>` (the token `POST /console/login` sets). Every figure comes
from the daily rollup (`bot.stats.store`) and goes through small-cell suppression at
`RELAIS_STATS_MIN_COUNT` (default 5). The page is server-rendered, in the console's language,
each chart drawn in SVG with its table beside it for screen readers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine

from bot import texts
from bot.stats import report, store, svg
from bot.stats.suppression import TOTAL, suppress

HERE = Path(__file__).resolve().parent
ENGINE = web.AppKey("stats_engine", Engine)
DEFAULT_DAYS = 30
CHANNELS = ("web", "sms", "rest")
ATTRIBUTION = (
    "MRC et municipalités / MRCs and municipalities : MAMH, SDA (CC BY 4.0, © Gouvernement du "
    "Québec); GeoNames (CC BY 4.0)"
)


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined,
    )  # fmt: skip


def _day(value: str | None, default: dt.date | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def filters_of(query: Any) -> report.Filters:
    """The filters of a query string (bad values fall back to the defaults)."""
    today = dt.date.today()
    since = _day(query.get("since"), today - dt.timedelta(days=DEFAULT_DAYS))
    from bot.directory.needs import NEED_IDS

    need = query.get("need") or ""
    language = query.get("language") or None
    channel = query.get("channel") or None
    return report.Filters(
        since=since or today,
        until=_day(query.get("until"), None),
        needs=(need,) if need in NEED_IDS else (),
        code_geo=(query.get("code_geo") or None),
        mrc=(query.get("mrc") or None),
        language=language if language in texts.LANGUAGES else None,
        channel=channel if channel in CHANNELS else None,
    )


def _api_query_valid(query: Any) -> bool:
    """The API refuses what its document refuses (the dashboard's filters fall back instead):
    `since` a date, `until` a date when given, each enumerated value one of its values."""
    return bool(
        _day(query.get("since"), None)
        and ("until" not in query or _day(query["until"], None))
        and query.get("unmet", "0") in ("0", "1", "true", "false")
        and query.get("language", "fr") in texts.LANGUAGES
        and query.get("channel", "web") in CHANNELS
    )


def percentile(buckets: dict[int, int], share: float) -> int | None:
    """The lower bound of the waiting-time bucket holding the `share` quantile."""
    total = sum(buckets.values())
    if not total:
        return None
    seen = 0
    for bound in sorted(buckets):
        seen += buckets[bound]
        if seen >= share * total:
            return bound
    return max(buckets)


def one_way(values: Mapping[Any, int], k: int) -> list[tuple[Hashable, int | None]]:
    """(value, count or None) sorted by count, suppressed as a one-way table with its total."""
    done = suppress({(v, "all"): n for v, n in values.items()}, k)
    return sorted(((v, done.value((v, "all"))) for v in values), key=lambda i: -(i[1] or 0))


def dashboard(conn: Any, flt: report.Filters, language: str, step: str, k: int) -> dict[str, Any]:
    """Every figure of the page."""
    from bot.directory.needs import need_label

    store.refresh(conn)
    sql = flt.sql()
    need = flt.needs[0] if flt.needs else store.ALL
    names = report.place_names()
    # time series
    days = store.daily_counts(conn, ["day"], sql, ("conversations",), need=need)
    series: dict[str, int] = {}
    for row in days:
        day = dt.date.fromisoformat(row["day"])
        key = (day - dt.timedelta(days=day.weekday())).isoformat() if step == "week" else row["day"]
        series[key] = series.get(key, 0) + row["conversations"]
    timeline = [(d, v) for d, v in sorted(one_way(dict(series), k), key=lambda i: str(i[0]))]
    # needs (and unmet) by municipality
    both = report.cells_of(conn, "municipality", flt, ("conversations", "unmet"))
    by_place, unmet = both["conversations"], both["unmet"]
    places = suppress(by_place, k)
    unmet_done = suppress(unmet, k)
    need_rows = sorted(
        ({"need": need_label(str(n), language) if n != TOTAL else "", "code": c,
          "place": names.get(str(c), str(c)), "count": places.value((n, c)),
          "unmet": unmet_done.value((n, c)) if (n, c) in unmet else 0}
         for (n, c) in by_place),
        key=lambda r: -(r["count"] or 0),
    )  # fmt: skip
    totals_by_need = [
        (need_label(str(n), language), places.value((n, TOTAL)))
        for (n, c) in places.counts if c == TOTAL and n != TOTAL
    ]  # fmt: skip
    totals_by_need.sort(key=lambda i: -(i[1] or 0))
    conversations_by_place = {
        r["code_geo"]: r["conversations"]
        for r in store.daily_counts(conn, ["code_geo"], sql, ("conversations",), need=need)
        if r["code_geo"]
    }
    map_counts = dict(one_way(dict(conversations_by_place), k))
    unmet_rows = sorted(
        (r for r in need_rows if r["unmet"] is None or r["unmet"]), key=lambda r: -(r["unmet"] or 0)
    )
    # crises, handoff, shares
    crisis = [(texts.t(f"stats.crisis.{v}", language) if v in CRISES else str(v), n)
              for v, n in one_way({r["value"]: r["count"] for r in store.kind_counts(conn, "crisis", sql)}, k)]  # fmt: skip
    outcomes = [(texts.t(f"stats.outcome.{v}", language) if v in OUTCOMES else str(v), n)
                for v, n in one_way({r["value"]: r["count"] for r in store.kind_counts(conn, "outcome", sql)}, k)]  # fmt: skip
    handoff = store.daily_counts(
        conn, [], sql, ("conversations", "handoff_requested", "handoff_answered", "callback_requested"),
        need=need,
    )[0]  # fmt: skip
    waits = {int(r["value"]): r["count"] for r in store.kind_counts(conn, "wait", sql)}
    requested, answered = handoff["handoff_requested"], handoff["handoff_answered"]
    shares = store.daily_counts(conn, ["language", "channel"], sql, ("conversations",), need=need)
    total = handoff["conversations"]
    lang_share = one_way({r["language"]: 0 for r in shares} | _sum(shares, "language"), k)
    chan_share = one_way(_sum(shares, "channel"), k)
    return {
        "total": total if total >= k else None,
        "timeline": timeline,
        "timeline_svg": svg.bars(timeline),
        "need_rows": need_rows[:60],
        "totals_by_need": totals_by_need,
        "needs_svg": svg.bars(totals_by_need, height=120),
        "unmet_rows": unmet_rows[:60],
        "map_svg": svg.territory_map(map_counts, texts.t("stats.map.label", language)),
        "map_rows": sorted(((names.get(str(c), str(c)), n) for c, n in map_counts.items()), key=lambda i: -(i[1] or 0)),
        "crisis": crisis,
        "outcomes": outcomes,
        "handoff": {
            "requested": _shown(requested, k),
            "answered_share": round(100 * answered / requested) if requested >= k else None,
            "p50": percentile(waits, 0.5) if sum(waits.values()) >= k else None,
            "p90": percentile(waits, 0.9) if sum(waits.values()) >= k else None,
            "callbacks": _shown(handoff["callback_requested"], k),
        },
        "languages": [(texts.t(f"stats.language.{v}", language), n) for v, n in lang_share],
        "channels": [(texts.t(f"stats.channel.{v}", language) if v in CHANNELS else str(v), n) for v, n in chan_share],
    }  # fmt: skip


CRISES = ("suicide", "violence", "medical", "child")
OUTCOMES = ("referred", "information_given", "crisis_line_given", "callback", "no_answer",
            "returned_to_bot")  # fmt: skip


def _shown(count: int, k: int) -> int | None:
    """A lone count: itself when 0 or at least `k`, else withheld."""
    return count if count == 0 or count >= k else None


def _sum(rows: list[dict[str, Any]], name: str) -> dict[Hashable, int]:
    out: dict[Hashable, int] = {}
    for row in rows:
        out[row[name] or "-"] = out.get(row[name] or "-", 0) + row["conversations"]
    return out


# --- handlers -------------------------------------------------------------------------------


async def stats_page(request: web.Request) -> web.Response:
    from bot.directory.needs import NEED_IDS, need_label
    from bot.places.data import mrc_names
    from bot.places.territory import served_municipalities
    from bot.web.console import page_language

    language = page_language(request)
    flt = filters_of(request.query)
    step = "week" if request.query.get("step") == "week" else "day"
    k = report.staff_threshold()
    engine = request.app[ENGINE]

    def read() -> dict[str, Any]:
        with engine.begin() as conn:
            return dashboard(conn, flt, language, step, k)

    figures = await asyncio.to_thread(read)
    served = served_municipalities()
    mrcs = sorted({m.mrc_code for m in served})

    def t(key: str, **variables: Any) -> str:
        return texts.t(key, language, **variables)

    html = _templates().get_template("stats.html").render(
        lang=language, t=t, f=figures, flt=flt, step=step, k=k,
        needs=[(n, need_label(n, language)) for n in NEED_IDS],
        municipalities=[(m.code_geo, m.name) for m in served],
        mrcs=[(code, mrc_names().get(code, code)) for code in mrcs],
        channels=CHANNELS, attribution=ATTRIBUTION,
    )  # fmt: skip
    return web.Response(text=html, content_type="text/html")


async def api_needs(request: web.Request) -> web.Response:
    """`GET /api/v1/stats/needs?since=…&until=…&by=…`: the rows of `relais stats needs`."""
    from bot.handoff import roles
    from bot.web.console import COOKIE, SESSIONS
    from bot.web.errors import json_error

    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else request.cookies.get(COOKIE)
    found = await request.app[SESSIONS].find(token) if token else None
    if found is None:
        raise json_error(401, "unauthorized", "console.error.login_required")
    if not roles.has_role(found[1], roles.STAFF):
        raise json_error(403, "forbidden", "console.error.forbidden")
    by = request.query.get("by", "need")
    if by not in report.BY or not _api_query_valid(request.query):
        raise json_error(400, "bad_request", "stats.error.bad_query")
    flt = filters_of(request.query)
    measure = "unmet" if request.query.get("unmet") in ("1", "true") else "conversations"
    engine = request.app[ENGINE]

    def read() -> list[dict[str, Any]]:
        with engine.begin() as conn:
            return report.needs_rows(conn, by, flt, measure=measure, k=report.staff_threshold())

    return web.json_response(await asyncio.to_thread(read))


async def stats_engine(app: web.Application) -> Any:
    from bot.stats.broker import open_engine
    from bot.web import keys

    app[ENGINE] = await asyncio.to_thread(open_engine, app[keys.SETTINGS].database_url)
    yield
    app[ENGINE].dispose()


def setup_routes(app: web.Application) -> None:
    from bot.handoff import roles
    from bot.web.console import role_required

    app.cleanup_ctx.append(stats_engine)
    app.router.add_get("/console/stats", role_required(roles.STAFF)(stats_page))
    app.router.add_get("/api/v1/stats/needs", api_needs)


__all__ = ["api_needs", "dashboard", "setup_routes", "stats_page"]
