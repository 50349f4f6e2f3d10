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

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.places.gazetteer import Gazetteer, PlaceSpan, get_gazetteer

logger = logging.getLogger(__name__)

PLACE_ENTITY = "place"
POSTAL_CODE_ENTITY = "postal_code"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PlaceEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds `place` (and `postal_code`) entities found by the gazetteer."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # mentions the gazetteer is less sure of are left out
            "min_confidence": 0.5,
        }

    def __init__(self, config: dict[str, Any], gazetteer: Gazetteer) -> None:
        self._min_confidence = float(config["min_confidence"])
        self._gazetteer = gazetteer

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PlaceEntityExtractor:
        gazetteer = get_gazetteer()
        if not gazetteer.names:
            logger.warning("PlaceEntityExtractor: the gazetteer has no names; no place found.")
        return cls({**cls.get_default_config(), **config}, gazetteer)

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

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [
                entity
                for mention in self._gazetteer.match(text)
                if mention.place.confidence >= self._min_confidence
                for entity in self._entities(mention)
            ]
            if not found:
                continue
            entities = [*message.get(ENTITIES, []), *self.add_extractor_name(found)]
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
