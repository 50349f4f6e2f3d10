"""The Rasa component `PlaceEntityExtractor` and the spaCy component `relais_places`."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.places import PlaceEntityExtractor


@pytest.fixture(scope="module")
def extractor(tmp_path_factory: pytest.TempPathFactory) -> PlaceEntityExtractor:
    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("model")))
    context = ExecutionContext(GraphSchema({}), "places-test")
    return PlaceEntityExtractor.create(
        PlaceEntityExtractor.get_default_config(), storage, Resource("places"), context
    )


def _entities(extractor: PlaceEntityExtractor, text: str) -> list[dict]:
    [message] = extractor.process([Message({"text": text})])
    return message.get("entities", [])


def test_place_entity_carries_code_and_borough(extractor: PlaceEntityExtractor) -> None:
    [entity] = _entities(extractor, "y a tu un dépannage dans Hochelaga?")
    assert entity["entity"] == "place" and entity["text"] == "Hochelaga"
    place = entity["value"]  # the whole place: the slot takes it as it is
    assert place["code_geo"] == "66023" and place["name"] == "Montréal"
    assert place["borough"] == "Mercier–Hochelaga-Maisonneuve"
    assert place["label"] == "Mercier–Hochelaga-Maisonneuve (Montréal)"
    assert place["lat"] and place["lon"] and place["in_territory"] is True
    assert "role" not in entity  # named in a sentence: a place wherever it comes
    assert entity["extractor"] == "PlaceEntityExtractor"
    assert (entity["start"], entity["end"]) == (25, 34)


def test_postal_code_gives_two_entities(extractor: PlaceEntityExtractor) -> None:
    entities = _entities(extractor, "mon code postal est J4K 2T1")
    assert {e["entity"] for e in entities} == {"place", "postal_code"}
    postal = next(e for e in entities if e["entity"] == "postal_code")
    place = next(e for e in entities if e["entity"] == "place")
    assert postal["value"] == "J4K 2T1" and place["value"]["code_geo"] == "58227"
    assert place["value"]["kind"] == "postal_code"


def test_one_place_per_message_the_postal_code_first(extractor: PlaceEntityExtractor) -> None:
    entities = _entities(extractor, "j'habite à Laval mais mon code postal est H2X 1Y4")
    [place] = [e for e in entities if e["entity"] == "place"]
    assert place["value"]["code_geo"] == "66023"


def test_the_whole_message_as_an_answer_carries_a_role(extractor: PlaceEntityExtractor) -> None:
    [entity] = _entities(extractor, "verdunn")
    assert entity["role"] == "answer" and entity["value"]["code_geo"] == "66023"


def test_a_shared_location_is_placed_once(extractor: PlaceEntityExtractor) -> None:
    message = Message({"text": "📍 My location (shared)",
                       "metadata": {"location": {"lat": 45.5584, "lon": -73.7214}}})  # fmt: skip
    [message] = extractor.process([message])
    [entity] = message.get("entities")
    assert entity["value"]["code_geo"] == "65005" and entity["value"]["lat"] == 45.5584
    broken = Message({"text": "📍", "metadata": {"location": {"lat": "north", "lon": None}}})
    [broken] = extractor.process([broken])
    assert broken.get("entities", []) == []


def test_no_place_no_entity(extractor: PlaceEntityExtractor) -> None:
    assert _entities(extractor, "j'ai faim, merci") == []


def test_existing_entities_are_kept(extractor: PlaceEntityExtractor) -> None:
    message = Message({"text": "I live in DDO", "entities": [{"entity": "x", "value": 1}]})
    [message] = extractor.process([message])
    assert [e["entity"] for e in message.get("entities")] == ["x", "place"]


def test_extra_keys_reach_the_action_server(extractor: PlaceEntityExtractor) -> None:
    """The parse data goes into a UserUttered event, then to rasa-sdk's Tracker intact."""
    from rasa.shared.core.events import UserUttered
    from rasa_sdk import Tracker

    [message] = extractor.process([Message({"text": "je reste à Terrebonne"})])
    parse_data = {
        "text": message.get("text"),
        "intent": {"name": "provide_place"},
        "entities": message.get("entities"),
    }
    event = UserUttered(
        parse_data["text"], parse_data["intent"], parse_data["entities"], parse_data
    )
    state = {
        "sender_id": "t",
        "slots": {},
        "latest_message": event.as_dict()["parse_data"],
        "events": [event.as_dict()],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": None,
    }
    tracker = Tracker.from_dict(state)
    [entity] = tracker.latest_message["entities"]
    assert entity["value"]["code_geo"] == "64008" and entity["value"]["name"] == "Terrebonne"


def test_spacy_component_wraps_the_same_gazetteer() -> None:
    import spacy

    import bot.places.spacy_places  # noqa: F401  (registers the factory)

    nlp = spacy.blank("fr")
    nlp.add_pipe("relais_places", config={"set_ents": True})
    doc = nlp("Je reste à Saint-Eustache depuis 2019")
    [span] = doc.spans["places"]
    assert span.text == "Saint-Eustache" and span._.place.code_geo == "72005"
    assert [ent.label_ for ent in doc.ents] == ["PLACE"]
