"""Browser tests (widget, console): Debian's Chromium and its flags, axe-core, screenshots.

Never a downloaded browser: Playwright drives `/usr/bin/chromium` (`executable_path`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bot.ops import chromium
from bot.settings import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"
AXE_SOURCES = (
    ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js",
    Path(sys.prefix) / "lib/python3.10/site-packages/axe_playwright_python/axe.min.js",
)
NEUTRAL_SITE = "https://www.meteomedia.com/"


def launch_options() -> dict[str, Any]:
    """`chromium.launch(**launch_options())`, sync or async (Debian's Chromium is required:
    `make install` installs it, so a missing one is a failure, not a skip)."""
    assert chromium.available(), f"{chromium.CHROMIUM} is missing: run `make install`"
    return chromium.launch_options()


def axe_source() -> str:
    for path in AXE_SOURCES:
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise AssertionError("axe-core is missing: run `make install` (npm ci in widget/)")


def axe_serious(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (shadow DOM included)."""
    page.evaluate(axe_source() + "\n;true")  # evaluate is not subject to the page's CSP
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path
