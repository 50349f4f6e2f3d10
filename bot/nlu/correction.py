"""Whether a message corrects what was understood ("non c'est pas ça, il consomme de la drogue").

While the place is asked, a need written instead of a place either replaces the need
understood (a correction) or adds to it ("I don't know, I'm homeless" after a food bank:
food and shelter); actions/referral_form.py asks this module which. Patterns live in
`correction_lexicon.yml` (normalized text).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.nlu.lexicons import load_lexicon
from bot.nlu.normalize import normalize


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    lexicon = load_lexicon("correction")

    def alternation(key: str) -> str:
        return "|".join(f"(?:{p})" for p in lexicon.get(key) or [])

    return (
        re.compile(rf"^(?:{alternation('starts')})\b"),
        re.compile(rf"\b(?:{alternation('within')})\b"),
    )


def corrects(text: str) -> bool:
    """Whether `text` says that what was understood was wrong."""
    cleaned = normalize(text or "").strip()
    starts, within = _patterns()
    return bool(starts.search(cleaned) or within.search(cleaned))
