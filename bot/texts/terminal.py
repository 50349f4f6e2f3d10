"""What a command prints for a person at a terminal: a catalog text, in their language."""

from __future__ import annotations

import sys
from typing import Any

from bot.texts import LANGUAGES, t


def say(lang: str, key: str, /, *, error: bool = False, **variables: Any) -> None:
    """Print the text `key` in `lang` (to stderr when it reports an error)."""
    print(t(key, lang, **variables), file=sys.stderr if error else sys.stdout, flush=True)


def say_both(key: str, /, **variables: Any) -> None:
    """French, then English: for messages of processes that serve both (`relais run`)."""
    for lang in LANGUAGES:
        say(lang, key, **variables)
