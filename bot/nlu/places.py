"""`PlaceEntityExtractor`: where the person is, as Rasa entities, from the one gazetteer.

Matching is pure (`bot.places.gazetteer.Gazetteer.match`); this component only maps each
mention to entities:

- `place`: `value` is the official municipality name (readable in `relais understand`, in
  logs and stories); the extra keys `code_geo`, `borough`, `in_territory`, `kind`, `mrc` and
  `alternatives` carry the rest. Rasa 3.6 keeps extra keys of an entity dict through
  `parse_data` to `tracker.latest_message["entities"]` (its events schema allows them), so a
  `FormValidationAction.extract_municipality` reads the code there (the `municipality` slot
  holds the code_geo);
- `postal_code`: `value` is the normalized code ("H2X 1Y4" or "H2X"), with the same extra keys
  for the place it points to.

Mentions below `min_confidence` are dropped (a rural FSA alone is 0.5: kept by default).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.component import MessageComponent
from bot.places.gazetteer import PlaceSpan, get_gazetteer

logger = logging.getLogger(__name__)

PLACE_ENTITY = "place"
POSTAL_CODE_ENTITY = "postal_code"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PlaceEntityExtractor(MessageComponent):
    """Adds `place` (and `postal_code`) entities found by the gazetteer."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # mentions the gazetteer is less sure of are left out
            "min_confidence": 0.5,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._min_confidence = float(self.config["min_confidence"])
        self._gazetteer = get_gazetteer()
        if not self._gazetteer.names:
            logger.warning("PlaceEntityExtractor: the gazetteer has no names; no place found.")

    def _entities(self, mention: PlaceSpan) -> list[dict[str, Any]]:
        place = mention.place
        details = {
            "code_geo": place.code_geo,
            "borough": place.borough,
            "in_territory": place.in_territory,
            "kind": place.kind,
            "mrc": place.mrc,
            "alternatives": list(place.alternatives),
        }
        common = {
            "start": mention.start,
            "end": mention.end,
            "text": mention.text,
            "confidence_entity": place.confidence,
        }
        entities = [{"entity": PLACE_ENTITY, "value": place.name, **common, **details}]
        if place.kind == "postal_code":
            entities.append(
                {"entity": POSTAL_CODE_ENTITY, "value": place.matched, **common, **details}
            )
        return entities

    def process_message(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text:
            return
        self.add_entities(message, [
            entity
            for mention in self._gazetteer.match(text)
            if mention.place.confidence >= self._min_confidence
            for entity in self._entities(mention)
        ])
