"""What the assistant understood, said before it asks where the person is.

"je me sens tellement seule depuis que mon mari est décédé" got only "Dans quelle ville…?":
the person could not tell whether they were heard, nor correct a wrong reading before the
cards came. The question for the place now starts with the needs that will be searched (the
same ones `what_was_asked` gives the search), and with a word of thanks when the need is one
people find hard to say.
"""

from __future__ import annotations

from typing import Any

from bot.dialogue.asked import stated_in, what_was_asked
from bot.directory.needs import need_resources
from bot.texts import t

SAID_WITH_THANKS = frozenset({"mental_health", "violence", "addiction", "gambling"})
"""Needs that are hard to write down: "thank you for telling me" comes first."""


def acknowledgement(
    latest: dict[str, Any] | None, need: str | None, needs: Any, language: str
) -> str:
    """The sentence said before the place is asked, or "" when the latest message (an event
    as a dict) stated none of the needs to search (a hello or a thanks while the place is
    asked: the question again, alone). A need added while the place is asked ("I don't know,
    I'm homeless" after a food bank) is named with the first."""
    if not latest or not need:
        return ""
    asked = what_was_asked([latest], need, needs)
    stated = [shown for shown in asked.shown if stated_in(latest, shown)]
    if not stated:
        return ""
    resources = [need_resources(shown, language) for shown in asked.shown]
    joined = f" {t('dialogue.understood.and', language)} ".join(resources)
    parts = [t("dialogue.understood.looking_for", language, resources=joined)]
    in_their_words = not str(latest.get("text") or "").startswith("/")
    if in_their_words and SAID_WITH_THANKS.intersection(stated):
        parts.insert(0, t("dialogue.understood.thanks", language))
    return " ".join(parts)
