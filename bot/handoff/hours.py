"""When counsellors answer: 7 days a week, 8 h to 18 h, holidays included (configurable).

Québec holidays come from `holidays` and serve only to *label* a day ("Fête nationale")
unless `RELAIS_HANDOFF_CLOSED_ON_HOLIDAYS` is set: the 211 works on holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.settings import TIMEZONE
from bot.texts import formats, normalize_language

from .config import HandoffSettings

ZONE = ZoneInfo(TIMEZONE)
HOLIDAY_LANGUAGES = {"fr": "fr", "en": "en_CA"}


@lru_cache(maxsize=4)
def _quebec_holidays(language: str) -> holidays.HolidayBase:
    return holidays.country_holidays("CA", subdiv="QC", language=HOLIDAY_LANGUAGES[language])


def holiday_name(day: date, language: str = "fr") -> str | None:
    """The Québec statutory holiday on `day`, in `language`, or None."""
    return _quebec_holidays(normalize_language(language)).get(day)


def now(settings: HandoffSettings) -> datetime:
    """The current time in Montréal (or the frozen test clock)."""
    if settings.fixed_now is not None:
        return settings.fixed_now.astimezone(ZONE)
    return datetime.now(ZONE)


@dataclass(frozen=True)
class CounsellorHours:
    """Opening hours of the counsellor service, all days alike."""

    settings: HandoffSettings

    def _open_on(self, day: date) -> bool:
        if day.weekday() not in self.settings.days:
            return False
        return not (self.settings.closed_on_holidays and holiday_name(day))

    def is_open(self, at: datetime) -> bool:
        """Whether a counsellor answers at `at` (any time zone; read in Montréal)."""
        local = at.astimezone(ZONE)
        if not self._open_on(local.date()):
            return False
        return self.settings.opens <= local.time() < self.settings.closes

    def next_opening(self, at: datetime) -> datetime:
        """The next moment counsellors answer (at itself when open now)."""
        local = at.astimezone(ZONE)
        if self.is_open(local):
            return local
        for offset in range(0, 15):
            day = local.date() + timedelta(days=offset)
            start = datetime.combine(day, self.settings.opens, tzinfo=ZONE)
            if self._open_on(day) and start > local:
                return start
        raise ValueError("no opening in the next two weeks: check RELAIS_HANDOFF_DAYS")

    def describe(self, language: str) -> dict[str, str]:
        """Hours as words for the texts (`{opens}`, `{closes}`): "8 h" / "8 a.m."."""
        language = normalize_language(language)
        return {
            "opens": formats.clock(self.settings.opens, language),
            "closes": formats.clock(self.settings.closes, language),
        }
