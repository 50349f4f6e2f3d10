"""Load the search index and the gazetteer, and search once, when the action server starts.

Both load lazily on first use (seconds with the demo directory), so without this the first
person to get results waits for them. Only the action server process (`python -m rasa_sdk`)
warms up, in a background thread so it still answers its health check at once; tests and
other importers of `actions` load nothing.
"""

from __future__ import annotations

import logging
import sys
import threading

log = logging.getLogger(__name__)

WARM_UP_NEED = "food"
WARM_UP_PLACE = "66023"  # Montréal
WARM_UP_TEXT = "j'ai besoin d'une banque alimentaire"  # loads the encoder and the vectors too


def in_action_server() -> bool:
    """Whether this process is `python -m rasa_sdk` (or the `rasa run actions` command)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    main_name = getattr(spec, "name", "") or ""
    return main_name.startswith("rasa_sdk") or sys.argv[1:3] == ["run", "actions"]


def warm_up() -> None:
    """Load what the first search needs; a failure is only logged (the search reports it)."""
    try:
        from bot.places.gazetteer import get_gazetteer
        from bot.search.engine import get_index, search

        get_gazetteer()
        get_index()
        # the first search costs a second; with words, it also loads the encoder and vectors
        search(WARM_UP_NEED, place=WARM_UP_PLACE, limit=1, text=WARM_UP_TEXT)
        log.info("Search index and gazetteer loaded")
    except Exception:
        log.warning("Warm-up failed; the first search will load what it needs", exc_info=True)


def start_if_action_server() -> threading.Thread | None:
    if not in_action_server():
        return None
    thread = threading.Thread(target=warm_up, name="relais-warmup", daemon=True)
    thread.start()
    return thread
