"""Numbers, times and openings as people read them, in French and English: the one formatter.

Every place that shows a distance, an hour or when a service opens (search reasons, the
results the chat, SMS and console render, the handoff's next opening) calls these, so the
same fact reads the same everywhere: "1,2 km" / "1.2 km", "9 h 30" / "9:30 a.m.",
"demain à 9 h" / "tomorrow at 9 a.m.". Times are shown in Montréal time.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.settings import TIMEZONE
from bot.texts import t

TZ = ZoneInfo(TIMEZONE)


def km(distance: float, language: str) -> str:
    """3.24 → "3,2" (fr) / "3.2" (en); at least 0.1; whole kilometres from 10 on."""
    distance = max(float(distance), 0.1)
    text = f"{distance:.1f}" if distance < 10 else f"{distance:.0f}"
    return text.replace(".", ",") if language == "fr" else text


def distance(value: float, language: str) -> str:
    """ "à 3,2 km" / "3.2 km away"."""
    return t("format.distance", language, km=km(value, language))


def clock(moment: datetime | time, language: str) -> str:
    """ "9 h", "9 h 30" (fr); "9 a.m.", "9:30 a.m." (en)."""
    if language == "fr":
        return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")
    hour = moment.hour % 12 or 12
    suffix = "a.m." if moment.hour < 12 else "p.m."
    return f"{hour}:{moment.minute:02d} {suffix}" if moment.minute else f"{hour} {suffix}"


def weekday(moment: datetime, language: str) -> str:
    return t(f"format.day.{moment.weekday()}", language)


def day_and_date(moment: datetime, language: str) -> str:
    """ "lundi 24 juin" / "Monday, June 24" (Montréal time)."""
    local = moment.astimezone(TZ)
    return t(
        "format.day_date",
        language,
        day=weekday(local, language),
        date=local.day,
        month=t(f"format.month.{local.month}", language),
    )


def when(moment: datetime, now: datetime, language: str) -> str:
    """ "aujourd'hui à 9 h", "tomorrow at 1:30 p.m.", "lundi à 9 h", "lundi 24 juin à 9 h"."""
    local, today = moment.astimezone(TZ), now.astimezone(TZ).date()
    time = clock(local, language)
    days = (local.date() - today).days
    if days <= 0:
        return t("format.when.today", language, time=time)
    if days == 1:
        return t("format.when.tomorrow", language, time=time)
    if days < 7:
        return t("format.when.weekday", language, day=weekday(local, language), time=time)
    return t("format.when.date", language, date=day_and_date(local, language), time=time)


def opening(
    open_now: bool | None, next_opening: datetime | None, now: datetime, language: str
) -> str:
    """ "Ouvert maintenant", "Fermé en ce moment — ouvre demain à 9 h", "Heures non indiquées"."""
    if open_now:
        return t("format.open_now", language)
    if next_opening is not None:
        return t("format.opens", language, when=when(next_opening, now, language))
    if open_now is False:
        return t("format.closed", language)
    return t("format.hours_unknown", language)
