"""What a person reads on the console, checked: no `[object …]`, `undefined`, `null`, `NaN`,
no missing text (the page shows `⟦key⟧`) and no catalog key left untranslated."""

from __future__ import annotations

import re
from typing import Any

from bot import texts

BROKEN = re.compile(r"\[object|\bundefined\b|\bnull\b|\bNaN\b|⟦")


def console_keys() -> set[str]:
    """The console's catalog keys as the page names them ("queue.empty")."""
    return {k.removeprefix("console.") for k in texts.catalog() if k.startswith("console.")}


def problems(text: str) -> list[str]:
    """What is wrong in `text` (empty when it reads right)."""
    found = [m.group(0) for m in BROKEN.finditer(text)]
    words = set(re.findall(r"[a-z_]+(?:\.[a-z_]+)+", text))
    found += sorted(words & {k for k in console_keys() if "." in k})
    return found


async def read(page: Any, selector: str) -> str:
    """The visible text of `selector` (what a sighted person reads)."""
    return str(await page.locator(selector).inner_text())


async def assert_reads_right(page: Any, *selectors: str) -> str:
    """Every selector's visible text reads right; returns them joined, to check contents."""
    joined = []
    for selector in selectors:
        text = await read(page, selector)
        assert not problems(text), (selector, problems(text), text)
        joined.append(text)
    return "\n".join(joined)


async def axe_serious(page: Any) -> list[dict[str, Any]]:
    """`tests.browser.axe_serious` for an async page."""
    from tests.browser import axe_source

    await page.evaluate(axe_source() + "\n;true")
    result = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def screenshot(page: Any, name: str) -> None:
    """A screenshot kept in tests/artifacts/ (async `tests.browser.screenshot`)."""
    from tests.browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / name), full_page=True)
