"""The statistics tables (prefix `stats_`), their daily rollup and the queries on it.

Two layers, so that no query ever scans per-conversation rows:
- `stats_conversation` / `stats_conversation_need`: the anonymous facts of one conversation,
  written by the event broker (`bot.stats.broker`) as the conversation goes and by the console
  when a counsellor closes a contact. The key is a keyed hash of the conversation and its
  start, `sender_key` a keyed hash of the conversation id (so the console can find the row
  of the person it just helped); no text, no point, no postal code finer than the FSA. Rows
  are kept `FACT_DAYS` days after their day, then deleted (only the rollup stays);
- `stats_daily` (day × need × municipality × language × channel) and `stats_daily_kind`
  (day × kind × value × municipality × language × channel: crisis kind, handoff outcome,
  waiting-time bucket, hour, widening, other 211): counts of conversations, rebuilt for each
  day that has new facts (`refresh`, run before each query; a day is a few thousand rows);
- `stats_monthly` and `stats_monthly_kind`: the same counts summed by month (a tenth of the
  rows), kept equal to the sum of their days by `refresh` (it shifts a month by what its
  rebuilt day changed). A query reads whole months of its period there and only the partial
  months at its edges from the daily tables, so a year reads ~12 months, not 365 days; only
  a series by day reads the daily table over the whole period (a covering index).

In `stats_daily` the need `""` counts every conversation once (whatever its needs), so
totals by place are conversations, not needs.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

metadata = MetaData()

ALL = ""
"""The need (or other dimension) value meaning "every conversation" in the rollup."""
FACT_DAYS = 7
"""Days a conversation's facts are kept after its day (late handoff outcomes), then dropped."""
WAIT_BUCKETS: tuple[int, ...] = (0, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
"""Lower bounds (seconds) of the waiting-time buckets kept in the rollup (p50/p90 from them)."""
KINDS: tuple[str, ...] = ("crisis", "outcome", "wait", "hour", "widening", "outside", "fallback")

conversation = Table(
    "stats_conversation",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("sender_key", String(40), nullable=False, index=True),
    Column("day", String(10), nullable=False, index=True),
    Column("hour", Integer, nullable=False),
    Column("language", String(2), nullable=False, default="fr"),
    Column("channel", String(20), nullable=False, default=""),
    Column("code_geo", String(10), nullable=False, default=""),
    Column("borough", String(80), nullable=False, default=""),
    Column("fsa", String(3), nullable=False, default=""),
    Column("crisis", String(20), nullable=False, default=""),
    Column("results_shown", Boolean, nullable=False, default=False),
    Column("widening", String(10), nullable=False, default=""),
    Column("fallback_211", String(40), nullable=False, default=""),
    Column("outside_211", String(40), nullable=False, default=""),
    Column("handoff_requested", Boolean, nullable=False, default=False),
    Column("handoff_answered", Boolean, nullable=False, default=False),
    Column("handoff_wait", Integer),
    Column("handoff_outcome", String(20), nullable=False, default=""),
    Column("callback_requested", Boolean, nullable=False, default=False),
    Column("updated", Float, nullable=False),
    Column("dirty", Boolean, nullable=False, default=True, index=True),
)

conversation_need = Table(
    "stats_conversation_need",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("need", String(40), primary_key=True),
    Column("unmet", Boolean, nullable=False, default=False),
)

daily = Table(
    "stats_daily",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("need", String(40), primary_key=True),
    Column("code_geo", String(10), primary_key=True),
    Column("language", String(2), primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("conversations", Integer, nullable=False),
    Column("unmet", Integer, nullable=False),
    Column("results_shown", Integer, nullable=False),
    Column("widened", Integer, nullable=False),
    Column("handoff_requested", Integer, nullable=False),
    Column("handoff_answered", Integer, nullable=False),
    Column("callback_requested", Integer, nullable=False),
)
Index(
    "ix_stats_daily_cover", daily.c.need, daily.c.day, daily.c.code_geo, daily.c.language,
    daily.c.channel, daily.c.conversations, daily.c.unmet,
)  # fmt: skip
"""A series by day over a long period reads only this index (need, then the period)."""

daily_kind = Table(
    "stats_daily_kind",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("value", String(40), primary_key=True),
    Column("code_geo", String(10), primary_key=True),
    Column("language", String(2), primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("conversations", Integer, nullable=False),
)
Index("ix_stats_daily_kind_kind_day", daily_kind.c.kind, daily_kind.c.day)

MEASURES: tuple[str, ...] = (
    "conversations", "unmet", "results_shown", "widened", "handoff_requested",
    "handoff_answered", "callback_requested",
)  # fmt: skip
PLACE = ("code_geo", "language", "channel")

monthly = Table(
    "stats_monthly",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("need", String(40), primary_key=True),
    Column("code_geo", String(10), primary_key=True),
    Column("language", String(2), primary_key=True),
    Column("channel", String(20), primary_key=True),
    *(Column(name, Integer, nullable=False) for name in MEASURES),
)

monthly_kind = Table(
    "stats_monthly_kind",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("value", String(40), primary_key=True),
    Column("code_geo", String(10), primary_key=True),
    Column("language", String(2), primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("conversations", Integer, nullable=False),
)

FACT_COLUMNS: tuple[str, ...] = (
    "sender_key", "day", "hour", "language", "channel", "code_geo", "borough", "fsa", "crisis",
    "results_shown", "widening", "fallback_211", "outside_211", "handoff_requested",
    "callback_requested",
)  # fmt: skip
"""What the broker writes; the handoff columns are the console's (`record_handoff`)."""


# --- writing facts ---------------------------------------------------------------------------


def write_facts(
    conn: Connection, key: str, facts: Mapping[str, Any], needs: Mapping[str, bool]
) -> None:
    """Upsert one conversation's facts and needs (a need once unmet stays unmet)."""
    values = {name: facts[name] for name in FACT_COLUMNS if name in facts}
    now = time.time()
    done = conn.execute(
        update(conversation)
        .where(conversation.c.key == key)
        .values(**values, updated=now, dirty=True)
    )
    if done.rowcount == 0:
        conn.execute(insert(conversation).values(key=key, **values, updated=now, dirty=True))
    _merge_needs(conn, key, needs)


def _merge_needs(conn: Connection, key: str, needs: Mapping[str, bool]) -> None:
    if not needs:
        return
    known = dict(
        conn.execute(
            select(conversation_need.c.need, conversation_need.c.unmet).where(
                conversation_need.c.key == key
            )
        ).all()
    )
    fresh = [{"key": key, "need": n, "unmet": u} for n, u in needs.items() if n not in known]
    if fresh:
        conn.execute(insert(conversation_need), fresh)
    for need, unmet in needs.items():
        if unmet and need in known and not known[need]:
            conn.execute(
                update(conversation_need)
                .where(conversation_need.c.key == key, conversation_need.c.need == need)
                .values(unmet=True)
            )


def record_handoff(
    conn: Connection,
    sender_key: str,
    *,
    answered: bool,
    wait: int | None,
    outcome: str,
    unmet_needs: Iterable[str] = (),
) -> bool:
    """The counsellor's side of a contact, on the person's latest conversation; False when
    there is none (facts already dropped, or the broker is off)."""
    key = conn.execute(
        select(conversation.c.key)
        .where(conversation.c.sender_key == sender_key)
        .order_by(conversation.c.updated.desc())
        .limit(1)
    ).scalar()
    if key is None:
        return False
    conn.execute(
        update(conversation)
        .where(conversation.c.key == key)
        .values(
            handoff_requested=True,
            handoff_answered=answered,
            handoff_wait=wait,
            handoff_outcome=outcome,
            updated=time.time(),
            dirty=True,
        )
    )
    _merge_needs(conn, key, {need: True for need in unmet_needs})
    return True


def unlink(conn: Connection, sender_keys: Iterable[str]) -> int:
    """Cut the facts of these conversations from the person (`relais privacy forget`): each
    gets a random key and no sender key, so nothing derived from a conversation id finds it
    again, while it keeps counting in the rollup as the anonymous conversation it was.
    Returns how many conversations were unlinked."""
    wanted = sorted(set(sender_keys))
    if not wanted:
        return 0
    keys = list(
        conn.execute(
            select(conversation.c.key).where(conversation.c.sender_key.in_(wanted))
        ).scalars()
    )
    for key in keys:
        anonymous = secrets.token_hex(16)
        conn.execute(
            update(conversation_need).where(conversation_need.c.key == key).values(key=anonymous)
        )
        conn.execute(
            update(conversation)
            .where(conversation.c.key == key)
            .values(key=anonymous, sender_key="")
        )
    return len(keys)


# --- the rollup -------------------------------------------------------------------------------


def wait_bucket(seconds: int | None) -> int | None:
    """The lower bound of the bucket holding `seconds`."""
    if seconds is None:
        return None
    return max(b for b in WAIT_BUCKETS if b <= max(0, seconds))


def refresh(conn: Connection, today: dt.date | None = None) -> list[str]:
    """Rebuild the rollup of every day with new facts (and shift their months); drop facts
    past `FACT_DAYS`. Returns the days rebuilt."""
    days = _dirty_days(conn)
    if days:
        _serialize(conn)
        days = _dirty_days(conn)  # another refresh may have done them while this one waited
    started = time.time()
    for day in days:
        _rollup_day(conn, day)
        conn.execute(
            update(conversation)
            .where(conversation.c.day == day, conversation.c.updated <= started)
            .values(dirty=False)
        )
    limit = (today or dt.date.today()) - dt.timedelta(days=FACT_DAYS)
    old = select(conversation.c.key).where(
        conversation.c.day < limit.isoformat(), conversation.c.dirty.is_(False)
    )
    conn.execute(delete(conversation_need).where(conversation_need.c.key.in_(old)))
    conn.execute(
        delete(conversation).where(
            conversation.c.day < limit.isoformat(), conversation.c.dirty.is_(False)
        )
    )
    return days


def _dirty_days(conn: Connection) -> list[str]:
    return sorted(
        conn.execute(select(conversation.c.day).where(conversation.c.dirty).distinct()).scalars()
    )


REFRESH_LOCK = 211_017
"""PostgreSQL advisory lock held by a refresh: a month is shifted by what its day's rebuild
changed, so two refreshes of the same day must not interleave. (SQLite has one writer at a
time: the second fails on its stale snapshot instead of counting twice.)"""


def _serialize(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REFRESH_LOCK})


Counts = dict[tuple[str, ...], tuple[int, ...]]


def _rollup_day(conn: Connection, day: str) -> None:
    rows = conn.execute(select(conversation).where(conversation.c.day == day)).mappings().all()
    needs: dict[str, list[tuple[str, bool]]] = {}
    query = (
        select(conversation_need.c.key, conversation_need.c.need, conversation_need.c.unmet)
        .join(conversation, conversation.c.key == conversation_need.c.key)
        .where(conversation.c.day == day)
    )
    for key, need, unmet in conn.execute(query):
        needs.setdefault(key, []).append((need, bool(unmet)))
    cells: dict[tuple[str, str, str, str], Counter[str]] = {}
    kinds: Counter[tuple[str, str, str, str, str]] = Counter()
    for row in rows:
        place = (row["code_geo"], row["language"], row["channel"])
        own = needs.get(row["key"], [])
        measures = {
            "conversations": 1,
            "results_shown": int(row["results_shown"]),
            "widened": int(bool(row["widening"])),
            "handoff_requested": int(row["handoff_requested"]),
            "handoff_answered": int(row["handoff_answered"]),
            "callback_requested": int(row["callback_requested"]),
        }
        for need, unmet in [(ALL, any(u for _, u in own)), *own]:
            cell = cells.setdefault((need, *place), Counter())
            cell.update(measures)
            cell["unmet"] += int(unmet)
        for kind, value in (
            ("crisis", row["crisis"]),
            ("outcome", row["handoff_outcome"]),
            ("wait", "" if row["handoff_wait"] is None else str(wait_bucket(row["handoff_wait"]))),
            ("hour", str(row["hour"])),
            ("widening", row["widening"]),
            ("outside", row["outside_211"]),
            ("fallback", row["fallback_211"]),
        ):
            if value:
                kinds[(kind, value, place[0], place[1], place[2])] += 1
    new_cells: Counts = {key: tuple(c[m] for m in MEASURES) for key, c in cells.items()}
    new_kinds: Counts = {key: (n,) for key, n in kinds.items()}
    write_day(conn, day, new_cells, new_kinds)


def write_day(conn: Connection, day: str, cells: Counts, kinds: Counts) -> None:
    """Replace a day's rows of `stats_daily` (keys need × place, values `MEASURES`) and
    `stats_daily_kind` (keys kind × value × place), and shift its month by the difference."""
    old_cells = _day_rows(conn, daily, ("need", *PLACE), MEASURES, day)
    old_kinds = _day_rows(conn, daily_kind, ("kind", "value", *PLACE), ("conversations",), day)
    conn.execute(delete(daily).where(daily.c.day == day))
    conn.execute(delete(daily_kind).where(daily_kind.c.day == day))
    if cells:
        conn.execute(
            insert(daily),
            [{"day": day, **dict(zip(("need", *PLACE), key, strict=True)), **dict(zip(MEASURES, values, strict=True))}
             for key, values in cells.items()],
        )  # fmt: skip
    if kinds:
        conn.execute(
            insert(daily_kind),
            [{"day": day, **dict(zip(("kind", "value", *PLACE), key, strict=True)), "conversations": n}
             for key, (n,) in kinds.items()],
        )  # fmt: skip
    month = day[:7]
    _shift(conn, monthly, ("need", *PLACE), MEASURES, month, old_cells, cells)
    _shift(conn, monthly_kind, ("kind", "value", *PLACE), ("conversations",), month,
           old_kinds, kinds)  # fmt: skip


def _day_rows(
    conn: Connection, table: Table, keys: tuple[str, ...], measures: tuple[str, ...], day: str
) -> Counts:
    query = select(*[table.c[k] for k in keys], *[table.c[m] for m in measures]).where(
        table.c.day == day
    )
    return {
        tuple(row[: len(keys)]): tuple(int(v) for v in row[len(keys) :])
        for row in conn.execute(query)
    }


def _shift(
    conn: Connection,
    table: Table,
    keys: tuple[str, ...],
    measures: tuple[str, ...],
    month: str,
    old: Counts,
    new: Counts,
) -> None:
    """Add `new - old` (a day's change) to its month's rows; a row whose conversations fall
    to 0 goes (as a day has no row without a conversation)."""
    zero = (0,) * len(measures)
    delta = {}
    for key in old.keys() | new.keys():
        change = tuple(a - b for a, b in zip(new.get(key, zero), old.get(key, zero), strict=True))
        if any(change):
            delta[key] = change
    if not delta:
        return
    rows = [
        {"month": month, **dict(zip(keys, key, strict=True)),
         **dict(zip(measures, change, strict=True))}
        for key, change in delta.items()
    ]  # fmt: skip
    # one upsert adding the changes (SQLite and PostgreSQL), then the rows left without a
    # conversation go
    upsert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[table.c[k] for k in ("month", *keys)],
            set_={m: table.c[m] + upsert.excluded[m] for m in measures},
        ),
        rows,
    )
    conn.execute(delete(table).where(table.c.month == month, table.c[measures[0]] <= 0))


def rebuild_months(conn: Connection) -> None:
    """Rebuild `stats_monthly*` from the daily tables (the migration that added them; a
    repair)."""
    conn.execute(delete(monthly))
    conn.execute(delete(monthly_kind))
    for day_table, month_table, keys, measures in (
        (daily, monthly, ("need", *PLACE), MEASURES),
        (daily_kind, monthly_kind, ("kind", "value", *PLACE), ("conversations",)),
    ):
        month = func.substr(day_table.c.day, 1, 7)
        conn.execute(
            insert(month_table).from_select(
                ["month", *keys, *measures],
                select(
                    month, *[day_table.c[k] for k in keys],
                    *[func.sum(day_table.c[m]) for m in measures],
                ).group_by(month, *[day_table.c[k] for k in keys]),
            )
        )  # fmt: skip


# --- queries on the rollup --------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def pieces(since: Any, until: Any) -> list[tuple[str, str | None, str | None]]:
    """The period (days, inclusive; None: unbounded) cut into whole months, read from the
    monthly tables, and the days of the partial months at its edges: `("day"|"month", first,
    last)`, bounds inclusive."""
    start, end = _date(since), _date(until)
    first = start if start is None or start.day == 1 else _next_month(start)
    if end is None:
        last = None
    elif (end + dt.timedelta(days=1)).day == 1:
        last = end
    else:
        last = end.replace(day=1) - dt.timedelta(days=1)
    if first is not None and last is not None and first > last:
        return [("day", _iso(start), _iso(end))]
    out: list[tuple[str, str | None, str | None]] = []
    if start is not None and first is not None and start < first:
        out.append(("day", start.isoformat(), (first - dt.timedelta(days=1)).isoformat()))
    out.append(("month", first.isoformat()[:7] if first else None,
                last.isoformat()[:7] if last else None))  # fmt: skip
    if end is not None and last is not None and last < end:
        out.append(("day", (last + dt.timedelta(days=1)).isoformat(), end.isoformat()))
    return out


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _place_filters(table: Table, flt: Mapping[str, Any]) -> list[Any]:
    """WHERE clauses of the filters but the period: code_geo (list), language, channel."""
    where = []
    if flt.get("codes"):
        where.append(table.c.code_geo.in_(list(flt["codes"])))
    if flt.get("language"):
        where.append(table.c.language == flt["language"])
    if flt.get("channel"):
        where.append(table.c.channel == flt["channel"])
    return where


def _grouped(
    conn: Connection,
    tables: tuple[Table, Table],
    groups: list[str],
    sums: Mapping[str, str],
    flt: Mapping[str, Any],
    where: Any,
) -> list[dict[str, Any]]:
    """`sums` (label → column) grouped by `groups` over the period of `flt`: whole months
    from the monthly table, the edges (or, grouped by day, everything) from the daily one;
    one row per group, sorted by group."""
    if "day" in groups:
        cut = [("day", _iso(_date(flt.get("since"))), _iso(_date(flt.get("until"))))]
    else:
        cut = pieces(flt.get("since"), flt.get("until"))
    merged: dict[tuple[Any, ...], list[int]] = {}
    for grain, first, last in cut:
        table = tables[0] if grain == "day" else tables[1]
        period = table.c[grain]
        clauses = [*_place_filters(table, flt), *where(table, grain, cut)]
        if first:
            clauses.append(period >= first)
        if last:
            clauses.append(period <= last)
        query = select(
            *[table.c[g] for g in groups],
            *[func.sum(table.c[column]).label(label) for label, column in sums.items()],
        )
        if clauses:
            query = query.where(and_(*clauses))
        if groups:
            query = query.group_by(*[table.c[g] for g in groups])
        for row in conn.execute(query):
            key, values = tuple(row[: len(groups)]), [int(v or 0) for v in row[len(groups) :]]
            found = merged.get(key)
            if found is None:
                merged[key] = values
            else:
                merged[key] = [a + b for a, b in zip(found, values, strict=True)]
    return [
        {**dict(zip(groups, key, strict=True)), **dict(zip(sums, values, strict=True))}
        for key, values in sorted(merged.items(), key=lambda i: tuple(str(v) for v in i[0]))
    ]


def daily_counts(
    conn: Connection,
    by: Iterable[str],
    flt: Mapping[str, Any],
    measures: Iterable[str] = ("conversations", "unmet"),
    *,
    need: str | None = None,
    every_need: bool = True,
    needs: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Sums of `measures` grouped by the `by` columns of `stats_daily` (`day`, `need` and the
    place columns). `need` keeps one need (`ALL` for conversations), `needs` some needs;
    otherwise `every_need` keeps the 20 needs (not `ALL`)."""
    chosen = tuple(needs)
    some = sorted(set(chosen) - {ALL})

    def where(table: Table, grain: str, cut: list[Any]) -> list[Any]:
        if need is not None:
            return [table.c.need == need]
        if chosen:
            return [table.c.need.in_(some)]  # none at all when only `ALL` was asked
        if not every_need:
            return []
        if grain == "day" and len(cut) == 1 and cut[0][0] == "day":
            # a long series by day: name the needs so the covering index (need, day) serves
            present = select(monthly.c.need).where(monthly.c.need != ALL).distinct()
            return [table.c.need.in_(sorted(conn.execute(present).scalars()))]
        return [table.c.need != ALL]

    return _grouped(conn, (daily, monthly), list(by), {m: m for m in measures}, flt, where)


def kind_counts(
    conn: Connection, kind: str, flt: Mapping[str, Any], by: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Conversations by value of one `kind` (crisis, outcome, wait, hour…)."""

    def where(table: Table, grain: str, cut: list[Any]) -> list[Any]:
        return [table.c.kind == kind]

    return _grouped(
        conn, (daily_kind, monthly_kind), ["value", *by], {"count": "conversations"}, flt, where
    )


__all__ = [
    "ALL",
    "MEASURES",
    "conversation",
    "conversation_need",
    "daily",
    "daily_counts",
    "daily_kind",
    "kind_counts",
    "metadata",
    "monthly",
    "monthly_kind",
    "pieces",
    "rebuild_months",
    "record_handoff",
    "refresh",
    "unlink",
    "write_day",
    "write_facts",
]
