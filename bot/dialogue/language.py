"""Which language to answer in."""

from __future__ import annotations

from typing import Any

from bot.texts import LANGUAGES


def conversation_language(value: Any) -> str:
    """The language to answer in: the slot when it is French or English, else French."""
    return value if value in LANGUAGES else LANGUAGES[0]
