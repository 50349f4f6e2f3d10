"""Is a service open now, when does it open next, and its hours in words (HSDS 3.0 `schedule`).

How schedule rows are read (every row of one service's list is combined):

* **Recurring openings**: a row with `freq` (`WEEKLY`/`MONTHLY`) and/or `byday` (`"MO,TU"`,
  `"2TU"`, `"-1FR"` for MONTHLY), optional `bymonthday`, `interval` (with `dtstart`, default
  `valid_from`), `wkst`, `until`, `count`. `byday` without `freq` means WEEKLY; a row with hours
  but neither means every day. Hours are `opens_at`/`closes_at` (`"09:00"`, `"09:00:00"`).
* **Wall-clock hours**: times are local to America/Montreal; a UTC-offset suffix (`"09:00-05:00"`,
  `"Z"`) and the `timezone` column are ignored, because a fixed offset cannot follow DST and the
  hours on the door are what people read. Durations are computed in UTC, so the fall-back night
  lasts one hour longer and a time inside the spring-forward gap (02:30) opens at 03:30.
* **Overnight**: `closes_at <= opens_at` closes the next day (20:00–08:00). `00:00`–`00:00` or
  `00:00`–`24:00` is a whole day; every day whole is 24/7. A recurring row without hours is
  open all day on its days.
* **Validity**: `valid_from`/`valid_to` (inclusive dates) bound the days on which a recurring
  opening *starts*.
* **Holidays**: Québec statutory holidays (`holidays.Canada(subdiv="QC")`: New Year, Good
  Friday, Journée nationale des patriotes, Fête nationale, Canada Day, Labour Day, Thanksgiving,
  Christmas) close every recurring opening that would start that day, unless the row is flagged
  open on holidays, as crisis lines and shelters are. Stored, the flag is an HSDS `attribute` on
  the schedule (`link_entity="schedule"`, term `open-on-holidays` of taxonomy `relais-flags`),
  so it survives any HSDS store or export; a nested schedule (`hsds.nest`) carries it in its
  `attributes`. In memory a row may instead set `x_open_on_holidays` (true/"true"/"1"/"yes");
  `flag_holiday_openings()` copies the attributes of flat tables onto the rows.
* **Exceptions**: a row without `freq`/`byday` but with `valid_from` (and `valid_to`, default the
  same day) is dated. Without hours it is a closure: no recurring opening starts on those days.
  With hours it is a one-off opening on those days (special holiday hours), which applies even on
  a holiday or a closure day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil import rrule

from bot.directory.needs import FLAG_OPEN_ON_HOLIDAYS, FLAGS_TAXONOMY, term_id
from bot.settings import TIMEZONE
from bot.texts import t

TZ = ZoneInfo(TIMEZONE)
DAY_CODES: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
HORIZON_DAYS = 400
"""How far `next_opening` looks ahead (more than a year, for yearly-looking monthly rows)."""
_ANCHOR = date(2000, 1, 3)  # a Monday: default dtstart when an interval needs one
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?")
_TRUE = {"true", "1", "yes", "oui", "y"}

Schedule = dict
OPEN_ON_HOLIDAYS_TERM_ID = term_id(FLAGS_TAXONOMY, FLAG_OPEN_ON_HOLIDAYS)


class NaiveDatetimeError(ValueError):
    """A datetime without time zone: ambiguous in a place with DST, so refused."""


@lru_cache(maxsize=64)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CA", subdiv="QC", years=year)


def is_holiday(day: date) -> bool:
    """Whether `day` is a Québec statutory holiday."""
    return day in _holidays(day.year)


def _blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (
            isinstance(value, float) and value != value  # NaN from pandas-like readers
        )
    )


def _date(value: object) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def _time(value: object) -> tuple[int, int] | None:
    """`"09:00"` → (9, 0); `"24:00"` → (24, 0); the offset suffix is dropped (see module doc)."""
    if _blank(value):
        return None
    if isinstance(value, time):
        return value.hour, value.minute
    match = _TIME.match(str(value).strip())
    if not match:
        raise ValueError(f"unreadable schedule time {value!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise ValueError(f"schedule time out of range {value!r}")
    return hour, minute


def _int(value: object) -> int | None:
    return None if _blank(value) else int(float(str(value)))


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return not _blank(value) and str(value).strip().lower() in _TRUE


def _open_on_holidays(row: Schedule) -> bool:
    if _flag(row.get("x_open_on_holidays")):
        return True
    for attribute in row.get("attributes") or ():
        term = attribute.get("taxonomy_term") or {}
        if attribute.get("taxonomy_term_id") == OPEN_ON_HOLIDAYS_TERM_ID or (
            term.get("code") == FLAG_OPEN_ON_HOLIDAYS and term.get("taxonomy") == FLAGS_TAXONOMY
        ):
            return True
    return False


def flag_holiday_openings(schedules: Iterable[Schedule], attributes: Iterable[dict]) -> list[dict]:
    """Copies of flat `schedule` rows with `x_open_on_holidays` set from `attribute` rows."""
    flagged = {
        row["link_id"]
        for row in attributes
        if row.get("link_entity") == "schedule"
        and row.get("taxonomy_term_id") == OPEN_ON_HOLIDAYS_TERM_ID
    }
    return [
        {
            **row,
            "x_open_on_holidays": row.get("id") in flagged or _flag(row.get("x_open_on_holidays")),
        }
        for row in schedules
    ]


def _byday(value: object) -> list[rrule.weekday]:
    days = []
    for part in str(value or "").replace(" ", "").upper().split(","):
        if not part:
            continue
        match = _BYDAY.match(part)
        if not match:
            raise ValueError(f"unreadable byday {part!r}")
        weekday = rrule.weekday(DAY_CODES.index(match.group(2)))
        days.append(weekday(int(match.group(1))) if match.group(1) else weekday)
    return days


@dataclass(frozen=True)
class _Rule:
    """One schedule row, parsed once."""

    kind: str  # "recurring", "opening" (dated one-off) or "closure"
    opens: tuple[int, int] | None
    closes: tuple[int, int] | None
    valid_from: date | None
    valid_to: date | None
    open_on_holidays: bool
    row: Schedule

    def days(self, start: date, end: date) -> Iterator[date]:
        """Days in [start, end] on which this row's opening starts (holidays not yet applied)."""
        lo = max(start, self.valid_from) if self.valid_from else start
        hi = min(end, self.valid_to) if self.valid_to else end
        if lo > hi:
            return
        if self.kind != "recurring":
            day = lo
            while day <= hi:
                yield day
                day += timedelta(days=1)
            return
        yield from self._recurrence(lo, hi)

    def _recurrence(self, lo: date, hi: date) -> Iterator[date]:
        row = self.row
        freq = str(row.get("freq") or "").strip().upper() or "WEEKLY"
        if freq not in ("WEEKLY", "MONTHLY"):
            raise ValueError(f"unsupported schedule freq {freq!r}")
        interval = _int(row.get("interval")) or 1
        count = _int(row.get("count"))
        byday = _byday(row.get("byday"))
        bymonthday = [int(x) for x in str(row.get("bymonthday") or "").split(",") if x.strip()]
        needs_anchor = interval > 1 or count is not None
        dtstart = _date(row.get("dtstart")) or self.valid_from
        if dtstart is None:
            dtstart = _ANCHOR if needs_anchor else lo
        if not needs_anchor:
            dtstart = max(dtstart, lo)
        if not byday and not bymonthday:
            byday = [rrule.weekday(i) for i in range(7)] if freq == "WEEKLY" else []
        wkst = str(row.get("wkst") or "MO").strip().upper()
        until = _date(row.get("until"))
        rule = rrule.rrule(
            rrule.WEEKLY if freq == "WEEKLY" else rrule.MONTHLY,
            dtstart=datetime.combine(dtstart, time()),
            interval=interval,
            wkst=DAY_CODES.index(wkst) if wkst in DAY_CODES else 0,
            count=count,
            until=datetime.combine(until, time()) if until else None,
            byweekday=byday or None,
            bymonthday=bymonthday or None,
        )
        for occurrence in rule.between(
            datetime.combine(lo, time()), datetime.combine(hi, time()), inc=True
        ):
            yield occurrence.date()

    def interval_on(self, day: date) -> tuple[datetime, datetime]:
        """The opening that starts on `day`, as UTC datetimes."""
        opens = self.opens or (0, 0)
        closes = self.closes or (24, 0)
        start = _local(day, opens)
        end_day = day
        if closes == (24, 0):
            end_day, closes = day + timedelta(days=1), (0, 0)
        elif closes <= opens:
            end_day = day + timedelta(days=1)
        return start, _local(end_day, closes)


def _local(day: date, hm: tuple[int, int]) -> datetime:
    """Wall-clock time in Montréal → UTC (fold=0: gap times move forward, repeated times first)."""
    hour, minute = hm
    if hour == 24:
        day, hour = day + timedelta(days=1), 0
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(timezone.utc)


def _parse(schedules: Iterable[Schedule]) -> list[_Rule]:
    rules = []
    for row in schedules:
        opens, closes = _time(row.get("opens_at")), _time(row.get("closes_at"))
        if (opens is None) != (closes is None):
            opens, closes = opens or (0, 0), closes or (24, 0)
        valid_from, valid_to = _date(row.get("valid_from")), _date(row.get("valid_to"))
        recurring = not _blank(row.get("freq")) or not _blank(row.get("byday"))
        if recurring or (valid_from is None and opens is not None):
            kind = "recurring"
        elif valid_from is not None:
            kind = "opening" if opens is not None else "closure"
            valid_to = valid_to or valid_from
        else:
            continue  # neither days nor hours: a note, not a schedule
        rules.append(_Rule(kind, opens, closes, valid_from, valid_to, _open_on_holidays(row), row))
    return rules


def _intervals(rules: list[_Rule], start: date, end: date) -> list[tuple[datetime, datetime]]:
    """Every opening starting on a day in [start, end], holidays and closures applied."""
    closed: set[date] = set()
    for rule in rules:
        if rule.kind == "closure":
            closed.update(rule.days(start, end))
    spans = []
    for rule in rules:
        if rule.kind == "closure":
            continue
        for day in rule.days(start, end):
            if rule.kind == "recurring" and (
                day in closed or (is_holiday(day) and not rule.open_on_holidays)
            ):
                continue
            spans.append(rule.interval_on(day))
    return spans


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveDatetimeError("schedules need an aware datetime (e.g. tzinfo=America/Montreal)")
    return at.astimezone(timezone.utc)


def is_open(schedules: Iterable[Schedule], at: datetime) -> bool:
    """Whether the service is open at the instant `at` (aware datetime, any time zone)."""
    now = _utc(at)
    today = now.astimezone(TZ).date()
    rules = _parse(schedules)
    # An opening lasts at most a day (plus a DST hour), so it started today or yesterday.
    return any(
        start <= now < end for start, end in _intervals(rules, today - timedelta(days=1), today)
    )


def next_opening(
    schedules: Iterable[Schedule], at: datetime, horizon_days: int = HORIZON_DAYS
) -> datetime | None:
    """The first instant at or after `at` when the service is open, in Montréal time.

    `at` itself when the service is open then; None when nothing opens within `horizon_days`
    (no hours, or every row expired).
    """
    now = _utc(at)
    rules = _parse(schedules)
    if not rules:
        return None
    day = now.astimezone(TZ).date() - timedelta(days=1)
    last = day + timedelta(days=horizon_days)
    step = 14
    while day <= last:
        chunk_end = min(day + timedelta(days=step - 1), last)
        spans = _intervals(rules, day, chunk_end)
        if any(start <= now < end for start, end in spans):
            return now.astimezone(TZ)
        upcoming = [start for start, _ in spans if start >= now]
        if upcoming:
            return min(upcoming).astimezone(TZ)
        day = chunk_end + timedelta(days=1)
        step = min(step * 2, 120)
    return None


def openings_between(
    schedules: Iterable[Schedule], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The openings that overlap [start, end), in order, in Montréal time; for an instant
    (`end <= start`), the opening under way then, as `is_open` reads it. "Lequel est ouvert
    demain?" is answered with each service's openings that day, holidays and closures applied.
    """
    lo, hi = _utc(start), _utc(end)
    rules = _parse(schedules)
    # an opening lasts at most a day (plus a DST hour): one that overlaps started by then
    first = lo.astimezone(TZ).date() - timedelta(days=1)
    last = max(hi, lo).astimezone(TZ).date()
    spans = _intervals(rules, first, last)
    if hi <= lo:
        found = {(s, e) for s, e in spans if s <= lo < e}
    else:
        found = {(s, e) for s, e in spans if s < hi and e > lo}
    return [(s.astimezone(TZ), e.astimezone(TZ)) for s, e in sorted(found)]


# --- hours in words --------------------------------------------------------------------------


def _format_time(hm: tuple[int, int], lang: str) -> str:
    hour, minute = hm
    if (hour, minute) in ((0, 0), (24, 0)):
        return t("schedule.time.midnight", lang)
    if (hour, minute) == (12, 0):
        return t("schedule.time.noon", lang)
    hour12 = hour % 12 or 12
    ampm = t("schedule.time.am" if hour < 12 else "schedule.time.pm", lang)
    key = "schedule.time.with_minutes" if minute else "schedule.time.on_the_hour"
    return t(key, lang, hour=hour, hour12=hour12, minute=f"{minute:02d}", ampm=ampm)


def day_abbreviation(weekday: int, lang: str) -> str:
    """ "sam." / "Sat" for `date.weekday()` 5."""
    return t(f"schedule.day.{DAY_CODES[weekday].lower()}", lang)


def _format_days(codes: list[int], lang: str) -> str:
    """[0, 1, 2, 3, 4] → "lun.–ven."; [0, 2, 4] → "lun., mer., ven."."""
    names = [day_abbreviation(i, lang) for i in codes]
    if len(codes) == 7:
        return t("schedule.days.every_day", lang)
    if len(codes) >= 3 and codes == list(range(codes[0], codes[-1] + 1)):
        return t("schedule.days.range", lang, first=names[0], last=names[-1])
    return t("schedule.days.separator", lang).join(names)


def describe_span(start: datetime, end: datetime, lang: str = "fr") -> str:
    """One opening in words, as `describe_hours` writes hours: "9 h 30 – midi", "24 h sur 24"
    (a whole day, midnight to midnight)."""
    local_start, local_end = start.astimezone(TZ), end.astimezone(TZ)
    opens = (local_start.hour, local_start.minute)
    closes = (local_end.hour, local_end.minute)
    if opens == (0, 0) and closes == (0, 0) and local_end.date() > local_start.date():
        return t("schedule.hours.all_day", lang)
    return t(
        "schedule.hours.range",
        lang,
        opens=_format_time(opens, lang),
        closes=_format_time(closes, lang),
    )


def _ordinal(n: int, lang: str) -> str:
    return t("schedule.ordinal.last", lang) if n < 0 else t(f"schedule.ordinal.{min(n, 5)}", lang)


def describe_hours(schedules: Iterable[Schedule], lang: str = "fr") -> str:
    """Short human text of the regular hours: "lun.–ven. 9 h – 17 h" / "Mon–Fri 9 a.m.–5 p.m.".

    Dated exceptions are left out (they belong to `is_open`); a service with no recurring
    hours gets "Horaire non précisé" / "Hours not specified".
    """
    rules = [rule for rule in _parse(schedules) if rule.kind == "recurring"]
    if not rules:
        return t("schedule.hours.unknown", lang)
    weekly: dict[tuple, set[int]] = {}
    monthly: list[str] = []
    for rule in rules:
        opens, closes = rule.opens or (0, 0), rule.closes or (24, 0)
        whole_day = opens == (0, 0) and closes in ((0, 0), (24, 0))
        hours = (
            t("schedule.hours.all_day", lang)
            if whole_day
            else t(
                "schedule.hours.range",
                lang,
                opens=_format_time(opens, lang),
                closes=_format_time(closes, lang),
            )
        )
        days = _byday(rule.row.get("byday"))
        freq = str(rule.row.get("freq") or "WEEKLY").strip().upper()
        if freq == "MONTHLY":
            parts = [
                t(
                    "schedule.days.nth_of_month",
                    lang,
                    nth=_ordinal(d.n, lang),
                    day=day_abbreviation(d.weekday, lang),
                )
                if d.n
                else day_abbreviation(d.weekday, lang)
                for d in days
            ] or [t("schedule.days.monthly", lang)]
            monthly.append(t("schedule.line", lang, days=", ".join(parts), hours=hours))
            continue
        codes = {d.weekday for d in days} or set(range(7))
        weekly.setdefault((whole_day, hours), set()).update(codes)
    if (
        list(weekly) == [(True, t("schedule.hours.all_day", lang))]
        and len(next(iter(weekly.values()))) == 7
    ):
        return t("schedule.hours.always", lang)
    lines = [
        (min(codes), t("schedule.line", lang, days=_format_days(sorted(codes), lang), hours=hours))
        for (_, hours), codes in weekly.items()
    ]
    text = [line for _, line in sorted(lines)] + monthly
    return t("schedule.lines.separator", lang).join(text)
