"""Benchmark of the web widget: time to interactive of the demo page, bundle size.

The web app is started as `relais run` starts it (Rasa need not run: the widget's launcher is
interactive before any conversation); Debian's Chromium loads `/` five times from a fresh
context. "Interactive" is the moment the launcher button exists in the widget's shadow root
(the bundle ran, its texts arrived). `run()` returns the figures; `make bench` saves them.
"""

from __future__ import annotations

import gzip
import socket
import statistics
import sys
import tempfile
from pathlib import Path

from bot.assistant import runner
from bot.web.widget import BUNDLE

RUNS = 5
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = "() => !!document.querySelector('#relais211-widget')?.shadowRoot?.querySelector('.r211-launcher')"
TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, ready: performance.now()};
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bundle_sizes() -> dict[str, float]:
    raw = BUNDLE.read_bytes()
    return {
        "bundle_kb": round(len(raw) / 1024, 1),
        "bundle_gzip_kb": round(len(gzip.compress(raw, 9)) / 1024, 1),
        "bundle_gzip_target_kb": 60,
    }


def time_to_interactive(url: str) -> dict[str, float]:
    """Median milliseconds from navigation start to DOMContentLoaded, load and widget ready."""
    from playwright.sync_api import sync_playwright

    samples: list[dict[str, float]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(RUNS):
            context = browser.new_context(viewport={"width": 360, "height": 740})
            page = context.new_page()
            page.goto(url)
            while not page.evaluate(READY):  # wait_for_function would eval: the CSP forbids
                page.wait_for_timeout(10)
            samples.append(page.evaluate(TIMINGS))
            context.close()
        browser.close()
    return {
        f"{name}_ms_median": round(statistics.median(s[name] for s in samples), 1)
        for name in ("dcl", "load", "ready")
    }


def run() -> dict:
    figures: dict = bundle_sizes()
    if not Path(CHROMIUM).exists():
        return {**figures, "time_to_interactive": f"skipped: {CHROMIUM} missing"}
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        child = runner.Child(
            "web",
            [sys.executable, "-m", "bot.assistant.runner", "serve-web"],
            f"http://127.0.0.1:{port}/widget/boot.json",
            {
                "RELAIS_WEB_PORT": str(port),
                "RELAIS_WEB_HOST": "127.0.0.1",
                "RELAIS_DATABASE_URL": f"sqlite:///{Path(tmp) / 'relais.db'}",
            },
        )
        supervisor = runner.Supervisor([child], lambda *a, **k: None, log_dir=Path(tmp) / "log")
        try:
            if not supervisor.start_all():
                return {**figures, "time_to_interactive": "failed: the web app did not start"}
            figures.update(time_to_interactive(f"http://127.0.0.1:{port}/"))
            figures["runs"] = RUNS
        finally:
            supervisor.stop_all()
    return figures


if __name__ == "__main__":
    print(run())
