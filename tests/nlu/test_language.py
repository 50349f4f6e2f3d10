from pathlib import Path

import pytest
import yaml

from bot.nlu.language import LanguageDetector, detect, requested_language
from bot.nlu.normalize import normalize

LANGUAGES_FILE = Path(__file__).with_name("languages.yml")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("chu pu capable", "fr"),
        ("y a tu quelqu'un", "fr"),
        ("slt", "fr"),
        ("merci", "fr"),
        ("jai besoin daide", "fr"),
        ("pls", "en"),
        ("idk", "en"),
        ("I need food for my kids", "en"),
        ("necesito ayuda con comida", "es"),
        ("mwen bezwen manje tanpri", "ht"),
        ("أحتاج مساعدة", "ar"),
        ("我需要帮助", "zh"),
        ("мне нужна помощь", "ru"),
    ],
)
def test_confident_languages(text, code):
    guess = detect(text)
    assert (guess.code, guess.confident) == (code, True)


# "ciao" is a Montréal goodbye, and Rive-Sud / Rive-Nord are regions, not Haitian Creole
@pytest.mark.parametrize(
    "text", ["ok", "1", "H2X 1Y4", "😭", "lol", "👍👍", "ciao", "rive sud", "Rive-Nord"]
)
def test_ambiguous_messages_are_not_confident(text):
    assert detect(text).entity_value is None


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("english please", "en"),
        ("can we speak english", "en"),
        ("parlez-vous anglais?", "en"),
        ("en français svp", "fr"),
        ("can we speak french", "fr"),
        ("je parle pas anglais", "fr"),
        ("I don't speak French", "en"),
        ("hablas español?", "es"),
    ],
)
def test_switch_requests_carry_the_target(text, target):
    assert requested_language(normalize(text).split()) == target
    assert detect(text).entity_value == target


@pytest.mark.parametrize(
    "text",
    [
        "je cherche des cours de français",
        "french classes near me",
        "English test for citizenship",
        # the language of the people at a service is a question about it (ask_service_details)
        "do they speak spanish at the 2nd one",
        "ils parlent-tu arabe là-bas?",
        "est-ce que le personnel parle créole",
    ],
)
def test_a_language_mentioned_in_a_need_is_not_a_request(text):
    assert requested_language(normalize(text).split()) is None


def test_places_are_masked(make_component, message, entity_values):
    component = make_component(LanguageDetector)
    msg = message("Laval")
    msg.set("entities", [{"entity": "place", "value": "Laval", "start": 0, "end": 5}])
    component.process([msg])
    assert entity_values(msg, "language") == []


def test_component_sets_property_and_entity(make_component, message, entity_values):
    component = make_component(LanguageDetector)
    french, vague, request = (
        message("j'ai faim pis pu d'argent"),
        message("ok"),
        message("parlez-vous anglais?"),
    )
    component.process([french, vague, request])
    assert french.get("language") == "fr" and entity_values(french, "language") == ["fr"]
    assert entity_values(vague, "language") == []
    assert request.get("language") == "fr"
    assert request.get("language_requested") == "en"
    assert entity_values(request, "language") == ["en"]


def test_language_accuracy_on_the_language_test_set():
    """Target ≥ 0.98 for fr/en, and every other language identified (issue #5)."""
    items = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8"))
    wrong = [(i["language"], i["text"]) for i in items if detect(i["text"]).code != i["language"]]
    first = [i for i in items if i["language"] in ("fr", "en")]
    first_wrong = [w for w in wrong if w[0] in ("fr", "en")]
    assert 1 - len(first_wrong) / len(first) >= 0.98, first_wrong
    assert 1 - len(wrong) / len(items) >= 0.95, wrong


@pytest.mark.parametrize(
    ("text", "intent", "final"),
    [
        # a need asked for in a third language keeps its need (the person reads French)
        ("un psychologue gratuit, en espagnol idéalement", "need_health", "need_health"),
        ("i need a lawyer who can speak arabic with me", "need_legal", "need_legal"),
        # help without a need, or a message plainly in the other language: the interpreter
        ("j'ai besoin d'aide en espagnol svp", "need_unspecified", "other_language"),
        ("Hola, necesito comida para mis hijos", "need_food", "other_language"),
    ],
)
def test_a_need_in_another_language_keeps_its_need(make_component, message, text, intent, final):
    from bot.nlu.other_language import OtherLanguageIntent

    msg = message(text, intent=intent)
    make_component(LanguageDetector).process([msg])
    make_component(OtherLanguageIntent).process([msg])
    assert msg.get("intent")["name"] == final
