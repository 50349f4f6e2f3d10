"""The search area: `search(need, place=…)` → the nearest services that fit (bot/search/engine.py).

`from bot.search import search` works; the engine is imported on first use, so importing the
package (e.g. for `relais --help`) stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["search"]


def __getattr__(name: str) -> Any:
    if name == "search":
        from bot.search.engine import search

        return search
    raise AttributeError(name)
