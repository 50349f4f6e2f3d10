"""Debian's Chromium for browser tests and benchmarks: never a downloaded browser.

Playwright drives `/usr/bin/chromium` (installed by scripts/ensure-system-deps.sh) with the
flags this machine needs: no sandbox as root, and no background networking, which the closed
network here would refuse many times over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def available() -> bool:
    return CHROMIUM.exists()


def launch_options() -> dict[str, Any]:
    """`playwright.chromium.launch(**launch_options())`, sync or async."""
    return {"executable_path": str(CHROMIUM), "args": list(CHROMIUM_ARGS), "headless": True}
