"""The place is decided once: the NLU puts it on the `place` entity, and Rasa's own slot
extraction (`action_extract_slots`, with domain.yml's mappings) copies it into the `place`
slot. Tested with the real component and Rasa's real extraction, no action server."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue.place import Where
from bot.nlu.places import PlaceEntityExtractor
from bot.settings import DOMAIN_PATH


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(DOMAIN_PATH))


@pytest.fixture(scope="module")
def extractor() -> PlaceEntityExtractor:
    return PlaceEntityExtractor({})


async def place_after(
    text: str,
    intent: str,
    extractor: PlaceEntityExtractor,
    domain: Domain,
    *,
    asking: bool = False,
    metadata: dict[str, Any] | None = None,
) -> Where | None:
    """The `place` slot once Rasa extracted the slots of this message."""
    message = Message({"text": text, "metadata": metadata or {}})
    extractor.process([message])
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": message.get("entities", []),
    }
    events: list[Any] = []
    if asking:
        events += [ActiveLoop("referral_form"), SlotSet("requested_slot", "place")]
    events.append(UserUttered(text, parse["intent"], parse["entities"], parse))
    tracker = DialogueStateTracker.from_events("t", events, slots=domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    result = await ActionExtractSlots(None).run(CollectingOutputChannel(), nlg, tracker, domain)
    tracker.update_with_events(result, domain)
    return Where.from_slot(tracker.get_slot("place"))


async def test_place_in_a_sentence_with_its_borough(extractor, rasa_domain):
    where = await place_after("chu dans Hochelaga", "provide_place", extractor, rasa_domain)
    assert where is not None and where.code_geo == "66023"
    assert "Hochelaga" in (where.borough or "") and "Montréal" in where.label
    assert where.lat is not None and where.in_territory


async def test_correction_inside_a_sentence(extractor, rasa_domain):
    where = await place_after("non, à Laval", "deny", extractor, rasa_domain)
    assert where is not None and where.code_geo == "65005"


async def test_postal_code_is_the_most_precise(extractor, rasa_domain):
    where = await place_after(
        "j'habite à Montréal, H2X 1Y4", "provide_place", extractor, rasa_domain
    )
    assert where is not None and where.code_geo == "66023" and where.kind == "postal_code"


async def test_shared_location_in_the_metadata(extractor, rasa_domain):
    location = {"location": {"lat": 45.56, "lon": -73.71}}
    where = await place_after(
        "📍 Ma position (partagée)", "provide_place", extractor, rasa_domain, metadata=location
    )
    assert (
        where is not None
        and where.code_geo == "65005"
        and (where.lat, where.lon)
        == (
            45.56,
            -73.71,
        )
    )


async def test_outside_the_territory_is_kept_with_its_flag(extractor, rasa_domain):
    where = await place_after("je reste à Sherbrooke", "provide_place", extractor, rasa_domain)
    assert where is not None and where.code_geo == "43027" and not where.in_territory


async def test_crisis_message_never_sets_a_place(extractor, rasa_domain):
    assert (
        await place_after("je veux mourir à Laval", "crisis_suicide", extractor, rasa_domain)
        is None
    )


async def test_a_need_without_place_sets_nothing(extractor, rasa_domain):
    assert await place_after("j'ai faim", "need_food", extractor, rasa_domain) is None


async def test_whole_message_as_a_place_only_when_asked(extractor, rasa_domain):
    # a misspelled town alone: only an answer to "where?" (or a provide_place) takes it
    text = "verdunn"
    assert await place_after(text, "nlu_fallback", extractor, rasa_domain) is None
    asked = await place_after(text, "nlu_fallback", extractor, rasa_domain, asking=True)
    assert asked is not None and asked.code_geo == "66023"
    given = await place_after(text, "provide_place", extractor, rasa_domain)
    assert given is not None and given.code_geo == "66023"
