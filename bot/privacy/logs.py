"""The processes' log files (`var/log/<child>.log`): rotated daily, kept `log_days`.

`relais run` sends each child's output to a file it opened in append mode; rotation copies
the file aside (`web.log.20250624-040000`) and truncates it in place, so the child keeps
writing to the same open file (logrotate's `copytruncate`). Logs are redacted
(`log_filter`): they hold no message text, phone number or address, only pseudonymous
conversation ids, which disappear with the rotated files.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from .policy import DAY


def rotate(log_dir: Path, now: float | None = None) -> int:
    """Copy each non-empty `*.log` aside with the time in its name and empty it."""
    if not log_dir.is_dir():
        return 0
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now or time.time()))
    rotated = 0
    for path in sorted(log_dir.glob("*.log")):
        if path.stat().st_size == 0:
            continue
        target = path.with_name(f"{path.name}.{stamp}")
        shutil.copyfile(path, target)
        with path.open("r+b") as handle:
            handle.truncate(0)
        rotated += 1
    return rotated


def prune(log_dir: Path, days: float) -> int:
    """Delete rotated files last written `days` ago or more (0: every rotated file)."""
    if not log_dir.is_dir():
        return 0
    cutoff = time.time() - days * DAY
    removed = 0
    for path in log_dir.glob("*.log.*"):
        if path.is_file() and path.stat().st_mtime <= cutoff:
            path.unlink()
            removed += 1
    return removed
