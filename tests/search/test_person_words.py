"""The person's words rank the results: on the demo directory, a specialised service that fits
what they wrote comes first, where the need alone would leave it further down."""

from __future__ import annotations

import pytest

from bot.search.engine import search


@pytest.mark.parametrize(
    ("text", "need", "place", "language", "marker"),
    [
        ("j'ai besoin de couches pour mon bébé", "family", "66023", "fr", "couches"),
        ("I need a lawyer for my immigration appeal", "legal", "65005", "en", "lawyer"),
        ("un dentiste pas cher pour mon fils", "health", "66023", "fr", "dentaire"),
    ],
)
def test_words_bring_the_fitting_service_first(demo_index, text, need, place, language, marker):
    worded = search(need, place=place, language=language, limit=5, text=text, index=demo_index)
    assert marker.lower() in worded.hits[0].name.lower(), [h.name for h in worded.hits]
    assert all(need in hit.needs or hit.reasons for hit in worded.hits)  # still the need's
