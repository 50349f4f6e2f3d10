"""docs/stats-dashboard.png: the staff dashboard on a month of made-up conversations.

Starts the web application alone (no Rasa) on a folder of its own with a staff account,
fills the statistics rollup with 40,000 random conversations over the last 28 days
(`bench.stats.build_rollup`), signs in with Chromium and takes a full-page picture.

    .venv/bin/python scripts/stats_picture.py [OUTPUT]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import build_rollup  # noqa: E402
from bot.ops.stack import Counsellor, Stack, StackOptions  # noqa: E402
from bot.stats.broker import open_engine  # noqa: E402

STAFF = Counsellor("stats@example.org", "Stats", "un mot de passe pour la photo", role="staff")


async def picture(stack: Stack, output: Path) -> None:
    from playwright.async_api import async_playwright

    from bot.ops import chromium

    since = (dt.date.today() - dt.timedelta(days=27)).isoformat()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**chromium.launch_options())
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(f"{stack.web_url}/console/login?lang=fr")
        await page.fill("#email", STAFF.email)
        await page.fill("#password", STAFF.password)
        async with page.expect_navigation():
            await page.click("button[type=submit]")
        await page.goto(f"{stack.web_url}/console/stats?since={since}")
        await page.screenshot(path=str(output), full_page=True)
        await browser.close()


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "stats-dashboard.png"
    with tempfile.TemporaryDirectory() as folder:
        stack = Stack(Path(folder), StackOptions(assistant=False, web=True, accounts=(STAFF,)))
        engine = open_engine(stack.database_url)
        first = dt.date.today() - dt.timedelta(days=27)
        build_rollup(engine, random.Random(211), conversations=40_000, days=28, first=first)
        engine.dispose()
        stack.start()
        try:
            asyncio.run(picture(stack, output))
        finally:
            stack.stop()
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
