"""spaCy side of the gazetteer: the `relais_places` pipeline component.

It wraps `Gazetteer.match` (same names, same fuzzy step, same filters) so that any spaCy
pipeline (fr_core_news_md…) carries the place mentions in `doc.spans["places"]`, each span
with its `Place` in `span._.place`, and, with `set_ents`, in `doc.ents` as PLACE.
"""

# No `from __future__ import annotations`: spaCy validates factory arguments from real types.

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

SPANS_KEY = "places"


if not Span.has_extension("place"):
    Span.set_extension("place", default=None)


class PlaceRecognizer:
    """spaCy component: puts the gazetteer's mentions in `doc.spans["places"]`."""

    def __init__(self, nlp: Language, name: str, spans_key: str, set_ents: bool) -> None:
        self.name = name
        self.spans_key = spans_key
        self.set_ents = set_ents

    def __call__(self, doc: Doc) -> Doc:
        from bot.places.gazetteer import get_gazetteer

        spans = []
        for mention in get_gazetteer().match(doc.text):
            span = doc.char_span(mention.start, mention.end, label="PLACE", alignment_mode="expand")
            if span is None:
                continue
            span._.place = mention.place
            spans.append(span)
        doc.spans[self.spans_key] = spans
        if self.set_ents:
            doc.ents = filter_spans([*doc.ents, *spans])
        return doc


@Language.factory(
    "relais_places",
    default_config={"spans_key": SPANS_KEY, "set_ents": False},
)
def make_place_recognizer(nlp: Language, name: str, spans_key: str, set_ents: bool) -> Any:
    """`nlp.add_pipe("relais_places")` after importing bot.places.spacy_places."""
    return PlaceRecognizer(nlp, name, spans_key, set_ents)
