"""Benchmark of the web widget: time to interactive of the demo page, bundle size.

The web app is started as `relais run` starts it (Rasa need not run: the widget's launcher is
interactive before any conversation); Debian's Chromium loads `/` five times from a fresh
context. "Interactive" is the moment the launcher button exists in the widget's shadow root
(the bundle ran, its texts arrived). `run()` returns the figures; `make bench` saves them.
"""

from __future__ import annotations

import gzip
import statistics
import tempfile
from pathlib import Path

from bot.ops import chromium
from bot.ops.stack import Stack, StackFailed, StackOptions
from bot.web.widget import BUNDLE

RUNS = 5
READY = "() => !!document.querySelector('#relais211-widget')?.shadowRoot?.querySelector('.r211-launcher')"
TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, ready: performance.now()};
}"""


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
        browser = playwright.chromium.launch(**chromium.launch_options())
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
    if not chromium.available():
        return {**figures, "time_to_interactive": f"skipped: {chromium.CHROMIUM} missing"}
    with tempfile.TemporaryDirectory() as tmp:
        web = Stack(Path(tmp), StackOptions(assistant=False, web=True))
        try:
            web.start()
            figures.update(time_to_interactive(web.web_url + "/"))
            figures["runs"] = RUNS
        except StackFailed:
            return {**figures, "time_to_interactive": "failed: the web app did not start"}
        finally:
            web.stop()
    return figures


if __name__ == "__main__":
    print(run())
