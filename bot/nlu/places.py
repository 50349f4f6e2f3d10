"""`PlaceEntityExtractor`: where the person is, decided once per message, as Rasa entities.

The gazetteer reads the message once (`Gazetteer.read`, or `reverse` for a location the
widget shares in the message metadata), and this component maps what it found to entities
whose value the dialogue keeps as it is (`domain/slots.yml`):

- one place per message (a postal code first, else the first place named);
- `place`: the value is the whole place (`bot.dialogue.place.Where`: code_geo, name, label,
  borough, MRC, in_territory, point), so one slot mapping fills the `place` slot and nothing
  downstream resolves the place again;
- it carries the role `answer` when no place is named in the sentence but the whole message
  is one ("verdunn", "st-hubert"): the dialogue takes it only as an answer to "where?";
- `postal_code`: the normalized code ("H2X 1Y4" or "H2X") when the place came from one.

Mentions below `min_confidence` are dropped (a rural FSA alone is 0.5: kept by default).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue.place import Where
from bot.nlu.component import MessageComponent
from bot.places.gazetteer import Place, get_gazetteer

logger = logging.getLogger(__name__)

PLACE_ENTITY = "place"
POSTAL_CODE_ENTITY = "postal_code"
ANSWER_ROLE = "answer"
"""The whole message is a place name: it counts only when the place was asked."""
METADATA = "metadata"


def shared_location(metadata: Any) -> tuple[float, float] | None:
    """(lat, lon) of a location shared with the message (`metadata.location`), if valid."""
    location = metadata.get("location") if isinstance(metadata, Mapping) else None
    if not isinstance(location, Mapping):
        return None
    try:
        lat, lon = float(location["lat"]), float(location["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PlaceEntityExtractor(MessageComponent):
    """Adds the `place` (and `postal_code`) entities of the message."""

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

    def _entities(
        self,
        place: Place,
        start: int,
        end: int,
        text: str,
        *,
        role: str | None = None,
        point: tuple[float, float] | None = None,
    ) -> list[dict[str, Any]]:
        where = Where.from_place(place, *(point or (None, None)))
        common: dict[str, Any] = {
            "start": start,
            "end": end,
            "text": text,
            "confidence_entity": place.confidence,
        }
        if role:
            common["role"] = role
        entities = [{"entity": PLACE_ENTITY, "value": where.as_slot(), **common}]
        if place.kind == "postal_code":
            entities.append({"entity": POSTAL_CODE_ENTITY, "value": place.matched, **common})
        return entities

    def process_message(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        point = shared_location(message.get(METADATA))
        if point is not None:
            place = self._gazetteer.reverse(*point)
            if place is not None:
                self.add_entities(message, self._entities(place, 0, len(text), text, point=point))
            return
        if not text:
            return
        found = self._gazetteer.read(text)
        chosen = found.most_precise(self._min_confidence)
        if chosen is not None:
            # one place per message
            self.add_entities(
                message, self._entities(chosen.place, chosen.start, chosen.end, chosen.text)
            )
            return
        answer = found.answer
        if answer is not None and answer.confidence >= self._min_confidence:
            stripped = text.strip()
            start = text.index(stripped)
            self.add_entities(
                message,
                self._entities(answer, start, start + len(stripped), stripped, role=ANSWER_ROLE),
            )
