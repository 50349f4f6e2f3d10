from pathlib import Path

import pytest
import yaml

from bot.nlu.language import (
    LANGUAGE_SOCIAL,
    LanguageDetector,
    continued_language,
    detect,
    names_a_card,
    requested_language,
    service_language,
)
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
        # the writer's own language said to be weak is the other one asked for
        ("Is there anything in English? My French is poor.", "en"),
        ("can we speak english? my french is not good", "en"),
        ("mon anglais est pas bon", "fr"),
        ("je veux parler anglais, c'est pas grave", "en"),
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


# --- the language of a service is a question about the services shown, not a switch ---------
# After the cards, "is it in english?" switched the chat to English (change_language 0.61),
# "ya tu un endroit qui parle arabe?" got the Arabic "I only speak French and English", and "le
# premier avocat, y parle tu anglais?" switched the whole bot to English.

SERVICE_QUESTIONS = [
    # (text, written in, language asked about)
    ("ya tu un endroit qui parle arabe?", "fr", "ar"),
    ("un endroit qui parle espagnol", "fr", "es"),
    ("le premier avocat, y parle tu anglais?", "fr", "en"),
    ("y parle tu anglais?", "fr", "en"),
    ("ya tu qqun qui parle espagnol?", "fr", "es"),
    ("y a tu quelqu'un qui parle anglais là-bas?", "fr", "en"),
    ("ça se passe-tu en anglais?", "fr", "en"),
    ("c'est tu en anglais?", "fr", "en"),
    ("le 2e, c'est tu en anglais?", "fr", "en"),
    ("au #2, y parlent-tu créole?", "fr", "ht"),
    ("ils parlent espagnol?", "fr", "es"),
    ("is it in english?", "en", "en"),
    ("is it in spanish?", "en", "es"),
    ("is it in english? thank you", "en", "en"),
    ("are they french-speaking?", "en", "fr"),
    ("is there someone who speaks english there?", "en", "en"),
    ("does anyone there speak french?", "en", "fr"),
    ("the first one, is it in french?", "en", "fr"),
    ("is the last one in english?", "en", "en"),
    ("do they speak spanish?", "en", "es"),
    # a tester: "Solo hablo francés e inglés…" (the interpreters' text in Spanish)
    ("which ones speak Spanish?", "en", "es"),
    ("lesquels parlent arabe?", "fr", "ar"),
]


@pytest.mark.parametrize(("text", "written", "asked"), SERVICE_QUESTIONS)
def test_a_services_language_is_asked_about_not_requested(text, written, asked):
    tokens = normalize(text).split()
    assert requested_language(tokens) is None
    assert service_language(tokens, card="#" in text) == asked
    guess = detect(text)
    assert (guess.requested, guess.about_service) == (None, asked)
    # the conversation's language follows what the question is WRITTEN in, never the one named
    assert (guess.code, guess.entity_value) == (written, written)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("can we continue in english please?", "en"),
        ("parle-moi en anglais", "en"),
        ("english please", "en"),
        ("do you speak english?", "en"),
        ("tu parles anglais?", "en"),
        # a word pointing at a service, but the writer asks for themselves
        ("est-ce que ça se peut en français?", "fr"),
        ("mets ça en anglais", "en"),
        ("en anglais c'est plus facile pour moi", "en"),
        ("is it possible to continue in english?", "en"),
        ("can it be in english please?", "en"),
        ("c'est tu correct si on parle en anglais?", "en"),
        ("jparle pas bien francais, un organisme pour immigrants?", "en"),
    ],
)
def test_a_switch_request_still_switches(text, target):
    guess = detect(text)
    assert guess.about_service is None
    assert (guess.requested, guess.entity_value) == (target, target)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("¿Hablan español allí?", "es"),
        ("y tienen a alguien que hable español?", "es"),  # "y" is Spanish "and", not Québec "il"
        ("هل يتحدثون العربية هناك؟", "ar"),
        ("Hola, necesito comida para mis hijos", "es"),
    ],
)
def test_a_message_in_a_third_language_stays_one(text, code):
    guess = detect(text)
    assert guess.about_service is None
    assert (guess.code, guess.entity_value) == (code, code)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("le premier avocat, y parle tu anglais?", True),
        ("au #2, ils parlent arabe?", True),
        ("the first one, is it in french?", True),
        ("le 2e c'est tu en anglais", True),
        ("number 3, are they spanish speaking?", True),
        ("is the last one in english?", True),
        ("mon premier appartement, y a tu de l'aide en anglais?", False),
        ("first aid course in english", False),
        ("j'ai 2 enfants, ya tu qqch en anglais?", False),
    ],
)
def test_a_card_is_named_by_its_article_or_number(text, named):
    assert names_a_card(text) is named


def _settle(make_component, message, text, intent, ranking=None):
    from bot.nlu.other_language import OtherLanguageIntent

    msg = message(text, intent=intent, ranking=ranking)
    make_component(LanguageDetector).process([msg])
    make_component(OtherLanguageIntent).process([msg])
    return msg


@pytest.mark.parametrize(
    ("text", "intent", "language"),
    [
        # read by the classifier as a switch, a third language, a need or unsure
        ("is it in english?", "change_language", "en"),
        ("y parle tu anglais?", "change_language", "fr"),
        ("ça se passe-tu en anglais?", "change_language", "fr"),
        ("c'est tu en anglais?", "change_language", "fr"),
        ("does anyone there speak french?", "change_language", "en"),
        ("ya tu un endroit qui parle arabe?", "ask_service_details", "fr"),
        ("ya tu qqun qui parle espagnol?", "change_language", "fr"),
        ("is there someone who speaks arabic there?", "ask_service_details", "en"),
        ("le premier avocat, y parle tu anglais?", "need_legal", "fr"),
        ("the first one, is it in spanish?", "need_legal", "en"),
        ("un endroit qui parle espagnol", "ask_service_details", "fr"),
    ],
)
def test_a_question_about_a_services_language_is_about_the_services(
    make_component, message, entity_values, text, intent, language
):
    msg = _settle(make_component, message, text, intent)
    assert msg.get("intent") == {"name": "ask_service_details", "confidence": 1.0}
    assert msg.get("intent_ranking")[0]["name"] == "ask_service_details"
    assert entity_values(msg, "other_language") == []
    assert entity_values(msg, "language") == [language]


@pytest.mark.parametrize(
    ("text", "intent", "final"),
    [
        # genuine requests to switch keep change_language, with the TARGET language
        ("can we continue in english please?", "change_language", "change_language"),
        ("parle-moi en anglais", "change_language", "change_language"),
        ("english please", "change_language", "change_language"),
        ("est-ce que ça se peut en français?", "change_language", "change_language"),
        # a message in a third language gets the interpreter, whatever the classifier read
        ("¿Hablan español allí?", "change_language", "other_language"),
        ("y tienen a alguien que hable español?", "ask_service_details", "other_language"),
        ("هل يتحدثون العربية هناك؟", "ask_service_details", "other_language"),
        # a need keeps its need unless a card shown is named
        ("mon premier appartement, y a tu de l'aide en anglais?", "need_housing", "need_housing"),
        ("je cherche un avocat qui parle espagnol", "need_legal", "need_legal"),
        # a crisis, a person asked for: kept
        ("is it in english? he's not breathing", "crisis_medical", "crisis_medical"),
        ("ya tu qqun qui parle espagnol?", "ask_human", "ask_human"),
    ],
)
def test_requests_third_languages_needs_and_crises_keep_their_intent(
    make_component, message, text, intent, final
):
    msg = _settle(make_component, message, text, intent)
    assert msg.get("intent")["name"] == final


def test_a_switch_request_carries_the_target_and_a_question_the_written_language(
    make_component, message, entity_values
):
    switch = _settle(make_component, message, "parle-moi en anglais", "change_language")
    question = _settle(make_component, message, "c'est tu en anglais?", "change_language")
    assert entity_values(switch, "language") == ["en"]
    assert switch.get("language_requested") == "en" and switch.get("service_language") is None
    assert entity_values(question, "language") == ["fr"]
    assert question.get("language_requested") is None
    assert question.get("service_language") == "en"


# --- the language answered in: the latest message's when it plainly says one -----------------


def _tracker(slot, entities, intent="ask_service_details", text="", events=None):
    from rasa_sdk import Tracker

    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities}
    return Tracker(
        "test",
        {"language": slot},
        latest,
        [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": latest},
            *(events or []),
        ],
        False,
        None,
        {},
        "action_listen",
    )


def _language_entity(value):
    return [{"entity": "language", "value": value, "start": 0, "end": 5}]


def test_the_language_slot_follows_a_question_about_the_services():
    """A question about the services carries the language it is WRITTEN in ("is there someone
    who speaks english there?" in a French conversation: en), so the slot takes it like any
    message's, and the answer and the rest of the conversation are in that language."""
    import yaml

    from bot.settings import ROOT

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    mappings = domain["slots"]["language"]["mappings"]
    assert [m.get("entity") for m in mappings] == ["language"]
    assert all("not_intent" not in m for m in mappings)


@pytest.mark.parametrize(
    ("text", "classified", "slot", "answered", "asked", "card"),
    [
        # 1. a French conversation about tax clinics: the French answer about Arabic
        ("ya tu un endroit qui parle arabe?", "change_language", "fr", "fr", "ar", None),
        # 2. an English conversation: the languages of the cards shown, no switch, no reset
        ("is it in english?", "change_language", "en", "en", "en", None),
        # 3. a French conversation, Québec "y" = il: card 1's languages, in French
        ("le premier avocat, y parle tu anglais?", "need_legal", "fr", "fr", "en", 1),
        # 4. English in a French conversation, French in an English one: answered as written
        (
            "is there someone who speaks english there?",
            "ask_service_details",
            "fr",
            "en",
            "en",
            None,
        ),
        ("sont-ils ouverts le soir?", "ask_service_details", "en", "fr", None, None),
    ],
)
async def test_a_question_about_the_cards_languages_is_answered_from_them(
    make_component, message, demo_db, monkeypatch, text, classified, slot, answered, asked, card
):
    """Through the NLU's rule components (the classifier's reading given) and the real action,
    over the demo directory."""
    import functools
    from datetime import datetime

    from rasa_sdk.executor import CollectingDispatcher
    from sqlalchemy import text as sql

    import bot.directory.lookup as lookup
    from actions.details import ActionServiceDetails
    from bot.dialogue import results
    from bot.dialogue.details import language_name
    from bot.directory.store import create_engine_from_url
    from bot.nlu.details import ServiceDetailExtractor
    from bot.texts import formats, t
    from tests.assistant.conftest import FakeHit

    monkeypatch.setattr(
        lookup, "services_by_id", functools.partial(lookup.services_by_id, database_url=demo_db)
    )
    engine = create_engine_from_url(demo_db)
    with engine.connect() as conn:  # three services whose record lists languages and hours
        rows = conn.execute(
            sql(
                "select s.id, s.name from service s"
                " where exists (select 1 from language l where l.service_id = s.id)"
                " and exists (select 1 from schedule h where h.service_id = s.id)"
                " order by s.id limit 3"
            )
        ).all()
    engine.dispose()
    now = datetime.now(formats.TZ)
    cards = [
        results.service_card(FakeHit(service_id=i, name=n, phone="514-555-0100"), k, slot, now)
        for k, (i, n) in enumerate(rows, start=1)
    ]
    payload = results.results_payload(
        need="income", language=slot, page=1, more=False, place_label="Laval", cards=cards
    )

    msg = _settle(make_component, message, text, classified)
    make_component(ServiceDetailExtractor).process([msg])
    assert msg.get("intent")["name"] == "ask_service_details"
    parsed = {"text": text, "intent": msg.get("intent"), "entities": msg.get("entities")}
    events = [{"event": "bot", "text": None, "data": {"custom": payload}}]
    # the slot as domain.yml's mapping sets it from the message's language entity
    tracker = _tracker(answered, parsed["entities"], text=text)
    tracker.latest_message = parsed
    tracker.events = [*events, *tracker.events]

    dispatcher = CollectingDispatcher()
    returned = await ActionServiceDetails().run(dispatcher, tracker, {})
    assert returned == []
    said = dispatcher.messages[0]["text"]
    titles = [line for line in said.splitlines() if line[:1].isdigit() and ". " in line[:4]]
    assert titles == (
        [f"1. {rows[0][1]}"] if card else [f"{k}. {n}" for k, (_, n) in enumerate(rows, 1)]
    )
    if asked:
        label = t("dialogue.details.languages", answered)
        assert said.count(label) == len(titles), said
        if asked == "ar":  # the demo directory lists no Arabic: said once, with the interpreters
            line = t(
                "dialogue.details.language_none_listed", answered, name=language_name("ar", "fr")
            )
            assert said.count(line) == 1, said
    else:
        assert t("dialogue.details.hours", answered) in said


@pytest.mark.parametrize(
    ("text", "social"),
    [
        ("hello?", True),
        ("ok thx", True),  # a tester: a French conversation switched to English
        ("thank you so much", True),
        ("merci beaucoup", True),
        ("yes", True),
        ("hi i need food", False),
        ("thanks! is it open tomorrow?", False),
        ("english please", False),  # a request always switches
    ],
)
def test_social_words_alone_keep_a_conversation_s_language(text: str, social: bool) -> None:
    assert detect(text).social is social
    parse = {"text": text, LANGUAGE_SOCIAL: detect(text).social,
             "entities": [{"entity": "language", "value": "en"}, {"entity": "place", "value": 1}]}  # fmt: skip
    kept = continued_language(parse, chosen=True)
    assert [e["entity"] for e in kept["entities"]] == (
        ["place"] if social else ["language", "place"]
    )
    assert continued_language(parse, chosen=False) == parse  # a new conversation: "hi" says it
