"""Province-wide help lines said with some results: what no local directory card covers.

Mistreatment of an older adult (a caregiver who takes a grandmother's bank card) was answered
with conjugal-violence shelters only; Québec's Ligne Aide Abus Aînés advises the elder and
those close to them. A teen put out of home at night got youth drop-in centres opening the
next day; Tel-jeunes answers 24/7. A line is said when every need it answers was named in the conversation.
"""

from __future__ import annotations

from collections.abc import Iterable

HELPLINES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"violence", "seniors"}), "dialogue.results.line.elder_abuse"),
    # a teen put out of home at night got youth drop-in centres that open tomorrow
    (frozenset({"youth", "shelter"}), "dialogue.results.line.youth_without_home"),
)
"""The needs a line answers, and its text's catalog key."""


def helplines(needs: Iterable[str]) -> list[str]:
    """The catalog keys of the lines that answer the needs named."""
    named = set(needs)
    return [key for answered, key in HELPLINES if answered <= named]
