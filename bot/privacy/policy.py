"""The retention policy: how long each kind of personal data is kept, in one place.

Law 25 (s. 23 of the private-sector act as amended) asks that personal information be
destroyed once the purpose it was collected for is served. A 211 conversation's purpose is
served when the person got their referral; a handoff record serves the service's follow-up
and quality review for a year, but its text is not needed for that. Anonymous counts
(`handoff_contact_outcome`, statistics) hold nothing personal and are kept.

Every number is read from the environment (`RELAIS_RETENTION_*`), so a 211 whose privacy
impact assessment decides otherwise changes it without code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DAY = 86400.0


@dataclass(frozen=True)
class RetentionPolicy:
    """Days (or minutes) each kind of data is kept after its last use."""

    text_days: float = 30.0
    """Conversation text (Rasa's tracker, SMS state, handoff messages and notes, callback
    phone numbers), counted from the conversation's last message."""
    handoff_days: float = 365.0
    """Handoff and callback records without their text (need, municipality, outcome)."""
    log_days: float = 14.0
    """Rotated log files (logs are redacted: they hold no message text)."""
    access_days: float = 365.0
    """The register of accesses to transcripts (who opened which conversation, when)."""
    widget_idle_minutes: float = 30.0
    """A widget conversation kept in the browser expires after this much inactivity."""
    purge_every_hours: float = 24.0
    """How often `relais run` applies the policy (`relais privacy purge` by hand)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetentionPolicy:
        env = os.environ if env is None else env
        defaults = cls()

        def number(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            value = float(raw)
            if value < 0:
                raise ValueError(f"{name} must be zero or more, not {raw!r}")
            return value

        return cls(
            text_days=number("RELAIS_RETENTION_TEXT_DAYS", defaults.text_days),
            handoff_days=number("RELAIS_RETENTION_HANDOFF_DAYS", defaults.handoff_days),
            log_days=number("RELAIS_RETENTION_LOG_DAYS", defaults.log_days),
            access_days=number("RELAIS_RETENTION_ACCESS_DAYS", defaults.access_days),
            widget_idle_minutes=number("RELAIS_WIDGET_IDLE_MINUTES", defaults.widget_idle_minutes),
            purge_every_hours=number("RELAIS_PRIVACY_PURGE_HOURS", defaults.purge_every_hours),
        )

    def everything_older_than(self, days: float) -> RetentionPolicy:
        """This policy with every kind of data kept at most `days` (`purge --older-than`)."""
        return RetentionPolicy(
            text_days=min(self.text_days, days),
            handoff_days=min(self.handoff_days, days),
            log_days=min(self.log_days, days),
            access_days=self.access_days,
            widget_idle_minutes=self.widget_idle_minutes,
            purge_every_hours=self.purge_every_hours,
        )
