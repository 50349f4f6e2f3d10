"""The retention policy applied on a schedule by `relais run`: a daemon thread that purges
every store once at start, then every `purge_every_hours` (and rotates the logs)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from bot.settings import Settings

log = logging.getLogger(__name__)

FIRST_DELAY = 30.0
"""Seconds from `relais run`'s start to the first purge: the children answer by then, so the
tracker is purged through the Rasa process (which holds live conversations)."""


def purge_once(settings: Settings, log_dir: Path) -> None:
    from .service import Privacy

    office = Privacy(settings, log_dir=log_dir)
    try:
        report = office.purge()
        log.info("Retention policy applied: %s", report.counts)
    except Exception:  # never stop the assistant for a failed purge; the next one retries
        log.exception("Retention purge failed")
    finally:
        office.close()


def start(
    settings: Settings,
    log_dir: Path,
    stop: threading.Event,
    *,
    first_delay: float = FIRST_DELAY,
    min_period: float = 60.0,
) -> threading.Thread:
    """Purge soon (once the children answer: `first_delay`), then every
    `purge_every_hours` (never more often than `min_period` seconds), until `stop`."""
    period = max(min_period, settings.retention.purge_every_hours * 3600)

    def loop() -> None:
        if stop.wait(first_delay):
            return
        while True:
            purge_once(settings, log_dir)
            if stop.wait(period):
                return

    thread = threading.Thread(target=loop, name="relais-retention", daemon=True)
    thread.start()
    return thread
