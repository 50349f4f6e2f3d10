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
  day that has new facts (`refresh`, run before each query; a day is a few thousand rows).

In `stats_daily` the need `""` counts every conversation once (whatever its needs), so
totals by place are conversations, not needs.
"""

from __future__ import annotations

import datetime as dt
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
    update,
)
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
Index("ix_stats_daily_need_day", daily.c.need, daily.c.day)

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


# --- the rollup -------------------------------------------------------------------------------


def wait_bucket(seconds: int | None) -> int | None:
    """The lower bound of the bucket holding `seconds`."""
    if seconds is None:
        return None
    return max(b for b in WAIT_BUCKETS if b <= max(0, seconds))


def refresh(conn: Connection, today: dt.date | None = None) -> list[str]:
    """Rebuild the rollup of every day with new facts; drop facts past `FACT_DAYS`. Returns
    the days rebuilt."""
    started = time.time()
    days = sorted(
        conn.execute(select(conversation.c.day).where(conversation.c.dirty).distinct()).scalars()
    )
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
    conn.execute(delete(daily).where(daily.c.day == day))
    conn.execute(delete(daily_kind).where(daily_kind.c.day == day))
    if cells:
        conn.execute(
            insert(daily),
            [
                {
                    "day": day, "need": need, "code_geo": code, "language": lang, "channel": chan,
                    **{m: c[m] for m in ("conversations", "unmet", "results_shown", "widened",
                                         "handoff_requested", "handoff_answered",
                                         "callback_requested")},
                }
                for (need, code, lang, chan), c in cells.items()
            ],
        )  # fmt: skip
    if kinds:
        conn.execute(
            insert(daily_kind),
            [
                {"day": day, "kind": k, "value": v, "code_geo": code, "language": lang,
                 "channel": chan, "conversations": n}
                for (k, v, code, lang, chan), n in kinds.items()
            ],
        )  # fmt: skip


# --- queries on the rollup --------------------------------------------------------------------


def _filters(table: Table, flt: Mapping[str, Any]) -> list[Any]:
    """WHERE clauses of the filters: since, until (days, inclusive), code_geo (list),
    language, channel."""
    where = []
    if flt.get("since"):
        where.append(table.c.day >= str(flt["since"]))
    if flt.get("until"):
        where.append(table.c.day <= str(flt["until"]))
    if flt.get("codes"):
        where.append(table.c.code_geo.in_(list(flt["codes"])))
    if flt.get("language"):
        where.append(table.c.language == flt["language"])
    if flt.get("channel"):
        where.append(table.c.channel == flt["channel"])
    return where


def daily_counts(
    conn: Connection,
    by: Iterable[str],
    flt: Mapping[str, Any],
    measures: Iterable[str] = ("conversations", "unmet"),
    *,
    need: str | None = None,
    every_need: bool = True,
) -> list[dict[str, Any]]:
    """Sums of `measures` grouped by the `by` columns of `stats_daily`. `need` keeps one need
    (`ALL` for conversations); otherwise `every_need` keeps the 20 needs (not `ALL`)."""
    groups = [daily.c[name] for name in by]
    where = _filters(daily, flt)
    if need is not None:
        where.append(daily.c.need == need)
    elif every_need:
        where.append(daily.c.need != ALL)
    query = select(*groups, *[func.sum(daily.c[m]).label(m) for m in measures])
    if where:
        query = query.where(and_(*where))
    if groups:
        query = query.group_by(*groups)
    return [
        {**dict(row), **{m: int(row[m] or 0) for m in measures}}
        for row in conn.execute(query).mappings()
    ]


def kind_counts(
    conn: Connection, kind: str, flt: Mapping[str, Any], by: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Conversations by value of one `kind` (crisis, outcome, wait, hour…)."""
    groups = [daily_kind.c[name] for name in by]
    where = [daily_kind.c.kind == kind, *_filters(daily_kind, flt)]
    query = (
        select(daily_kind.c.value, *groups, func.sum(daily_kind.c.conversations).label("count"))
        .where(and_(*where))
        .group_by(daily_kind.c.value, *groups)
    )
    return [{**dict(row), "count": int(row["count"])} for row in conn.execute(query).mappings()]


__all__ = [
    "ALL",
    "conversation",
    "conversation_need",
    "daily",
    "daily_counts",
    "daily_kind",
    "kind_counts",
    "metadata",
    "record_handoff",
    "refresh",
    "write_facts",
]
