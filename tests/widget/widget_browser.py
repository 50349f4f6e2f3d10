"""Helpers of the widget's browser tests: Chromium's flags, axe-core, screenshots."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.settings import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE_SOURCES = (
    ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js",
    Path(sys.prefix) / "lib/python3.10/site-packages/axe_playwright_python/axe.min.js",
)
NEUTRAL_SITE = "https://www.meteomedia.com/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def axe_source() -> str:
    for path in AXE_SOURCES:
        if path.exists():
            return path.read_text(encoding="utf-8")
    pytest.skip("axe-core is missing: run `npm ci` in widget/")


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
