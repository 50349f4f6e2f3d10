"""Settings of the handoff area, from `RELAIS_HANDOFF_*` environment variables.

They live here rather than in `bot/settings.py` because only this area reads them; the
database, Rasa URL/token and secret key stay in the shared settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, time

from dateutil import parser as date_parser

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _parse_span(text: str) -> tuple[time, time]:
    """`"08:00-18:00"` → (08:00, 18:00)."""
    start, end = (part.strip() for part in text.split("-", 1))
    return time.fromisoformat(start), time.fromisoformat(end)


@dataclass(frozen=True)
class HandoffSettings:
    """How the counsellor service runs; every field has a sensible 211 default."""

    opens: time = time(8, 0)
    closes: time = time(18, 0)
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    closed_on_holidays: bool = False
    poll_interval: float = 1.0
    """Seconds between two reads of Rasa's trackers (person → console latency)."""
    counsellor_grace: float = 60.0
    """Seconds a counsellor's console may stay disconnected before their conversations
    return to the bot."""
    person_idle: float = 900.0
    """Seconds without a word from the person before the counsellor is told they left."""
    minutes_per_person: float = 5.0
    """Expected handling time used for the wait estimate until real figures exist."""
    fixed_now: datetime | None = None
    """`RELAIS_HANDOFF_NOW` (ISO datetime): a frozen clock, for tests of the hours only."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> HandoffSettings:
        env = dict(os.environ if env is None else env)
        opens, closes = _parse_span(env.get("RELAIS_HANDOFF_HOURS", "08:00-18:00"))
        days_text = env.get("RELAIS_HANDOFF_DAYS", ",".join(DAY_NAMES))
        days = tuple(DAY_NAMES.index(d.strip().lower()[:3]) for d in days_text.split(",") if d)
        fixed = env.get("RELAIS_HANDOFF_NOW")
        return cls(
            opens=opens,
            closes=closes,
            days=days,
            closed_on_holidays=env.get("RELAIS_HANDOFF_CLOSED_ON_HOLIDAYS", "").lower()
            in ("1", "true", "yes"),
            poll_interval=float(env.get("RELAIS_HANDOFF_POLL_INTERVAL", "1.0")),
            counsellor_grace=float(env.get("RELAIS_HANDOFF_COUNSELLOR_GRACE", "60")),
            person_idle=float(env.get("RELAIS_HANDOFF_PERSON_IDLE", "900")),
            minutes_per_person=float(env.get("RELAIS_HANDOFF_MINUTES_PER_PERSON", "5")),
            fixed_now=date_parser.isoparse(fixed) if fixed else None,
        )
