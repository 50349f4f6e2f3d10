"""`RelaisNaturalLanguageGenerator`: a response said before in the session says its `_again`
wording (a second crisis message does not get the same paragraph twice)."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue.responses import DOMAIN_FILE, OTHER_LANGUAGE_KEY
from bot.directory.needs import need_resources
from bot.runtime.nlg import RelaisNaturalLanguageGenerator, said_before
from bot.texts import t


@pytest.fixture(scope="module")
def nlg() -> RelaisNaturalLanguageGenerator:
    return RelaisNaturalLanguageGenerator(domain=Domain.load(str(DOMAIN_FILE)))


def tracker(*events, language: str = "fr") -> DialogueStateTracker:
    slots = Domain.load(str(DOMAIN_FILE)).slots
    return DialogueStateTracker.from_events(
        "someone", [SessionStarted(), SlotSet("language", language), *events], slots=slots
    )


def said(name: str) -> BotUttered:
    return BotUttered("…", metadata={"utter_action": name})


def text(nlg, name: str, state: DialogueStateTracker) -> str:
    return asyncio.run(nlg.generate(name, state, "rest"))["text"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_crisis_line_said_before_is_said_in_fewer_words(nlg, language):
    first = tracker(UserUttered("jveux mourir"), language=language)
    assert text(nlg, "utter_crisis_suicide", first) == t("dialogue.utter.crisis_suicide", language)
    second = tracker(
        UserUttered("jveux mourir"),
        said("utter_crisis_suicide"),
        said("utter_offer_counsellor"),
        UserUttered("jveux juste que ça arrête"),
        language=language,
    )
    again = text(nlg, "utter_crisis_suicide", second)
    assert again == t("dialogue.utter.crisis_suicide_again", language)
    assert "1-866-277-3553" in again and "911" in again
    offer = asyncio.run(nlg.generate("utter_offer_counsellor", second, "rest"))
    assert offer["text"] == t("dialogue.utter.offer_counsellor_again", language)
    assert [b["payload"] for b in offer["buttons"]] == ["/ask_human"]


def test_another_crisis_kind_or_a_new_session_gets_the_whole_line(nlg):
    before = tracker(said("utter_crisis_suicide"))
    assert text(nlg, "utter_crisis_violence", before) == t("dialogue.utter.crisis_violence", "fr")
    events = [said("utter_crisis_violence"), SessionStarted(), UserUttered("il me frappe")]
    assert text(nlg, "utter_crisis_violence", tracker(*events)) == t(
        "dialogue.utter.crisis_violence", "fr"
    )


def test_a_response_without_a_second_wording_is_said_the_same(nlg):
    state = tracker(said("utter_ask_place"))
    assert not said_before(tracker(), "utter_ask_place")
    assert said_before(state, "utter_ask_place")
    assert text(nlg, "utter_ask_place", state) == t("dialogue.utter.ask_place", "fr")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_anything_else_after_a_crisis_line_stays_with_the_person(nlg, language):
    # "jsais pas" after the suicide line got "can I help you with anything else?"
    calm = tracker(language=language)
    assert text(nlg, "utter_anything_else", calm) == t("dialogue.utter.anything_else", language)
    after = tracker(SlotSet("crisis", "suicide"), said("utter_crisis_suicide"), language=language)
    reply = asyncio.run(nlg.generate("utter_anything_else", after, "rest"))
    assert reply["text"] == t("dialogue.utter.anything_else_after_crisis", language)
    assert "/ask_human" in [b["payload"] for b in reply["buttons"]]
    # "No thanks" (a button) to the counsellor offered after the line: still with the person
    pressed = tracker(
        SlotSet("crisis", "suicide"),
        said("utter_crisis_suicide"),
        UserUttered("/deny", intent={"name": "deny", "confidence": 1.0}),
        language=language,
    )
    assert text(nlg, "utter_anything_else", pressed) == t(
        "dialogue.utter.anything_else_after_crisis", language
    )


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("kind", ["suicide", "violence", "medical", "child"])
def test_what_to_do_after_a_crisis_line_is_what_to_do_about_that_crisis(nlg, language, kind):
    # "my girlfriend says she's going to kill herself tonight", the line, then "what should I
    # do": it got the menu of needs (food, housing…)
    typed = tracker(
        SlotSet("crisis", kind),
        said(f"utter_crisis_{kind}"),
        UserUttered("what should I do", intent={"name": "need_unspecified", "confidence": 0.5}),
        language=language,
    )
    reply = asyncio.run(nlg.generate("utter_ask_need", typed, "rest"))
    assert reply["text"] == t(f"dialogue.utter.ask_need_after_crisis_{kind}", language)
    assert "911" in reply["text"]
    assert [b["payload"] for b in reply["buttons"]] == ["/ask_human", "/need_unspecified"]
    # the "Another need" button asks for the menu of needs
    pressed = tracker(
        SlotSet("crisis", kind),
        said(f"utter_crisis_{kind}"),
        UserUttered("/need_unspecified", intent={"name": "need_unspecified", "confidence": 1.0}),
        language=language,
    )
    assert text(nlg, "utter_ask_need", pressed) == t("dialogue.utter.ask_need", language)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_not_understood_twice_is_said_in_other_words(nlg, language):
    # "🙏", "???", "asdkjhaskd": the same "sorry, I'm not sure I understand" three times
    first = tracker(UserUttered("🙏"), language=language)
    assert text(nlg, "utter_fallback", first) == t("dialogue.utter.fallback", language)
    again = tracker(
        UserUttered("🙏"), said("utter_fallback"), UserUttered("???"), language=language
    )
    reply = asyncio.run(nlg.generate("utter_fallback", again, "rest"))
    assert reply["text"] == t("dialogue.utter.fallback_again", language)
    assert [b["payload"] for b in reply["buttons"]] == ["/need_unspecified", "/ask_human"]


def asked_who(intent: str) -> UserUttered:
    return UserUttered(
        "are you a real person? I need help with my rent",
        intent={"name": intent, "confidence": 0.9},
        parse_data={
            "intent": {"name": intent, "confidence": 0.9},
            "entities": [{"entity": "bot_question", "value": "asked", "start": 0, "end": 22}],
        },
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_who_answers_is_said_first_when_asked_inside_a_need(nlg, language):
    state = tracker(asked_who("need_housing"), language=language)
    first = text(nlg, "utter_ask_place", state)
    iamabot = t("dialogue.utter.iamabot", language)
    assert first == f"{iamabot}\n\n{t('dialogue.utter.ask_place', language)}"
    # once, not before every message of the answer
    state.update(said("utter_ask_place"))
    assert text(nlg, "utter_results_menu", state) == t("dialogue.utter.results_menu", language)
    # a crisis line comes first, alone
    crisis = tracker(asked_who("crisis_suicide"), language=language)
    assert text(nlg, "utter_crisis_suicide", crisis) == t("dialogue.utter.crisis_suicide", language)
    # without the question, nothing is added
    plain = tracker(UserUttered("I need help with my rent"), language=language)
    assert text(nlg, "utter_ask_place", plain) == t("dialogue.utter.ask_place", language)


def looking_for(need: str, language: str) -> str:
    return t("dialogue.understood.looking_for", language, resources=need_resources(need, language))


def stated(text_: str, intent: str, *needs: str) -> UserUttered:
    entities = [{"entity": "needs", "value": need} for need in needs]
    return UserUttered(
        text_,
        intent={"name": intent, "confidence": 0.9},
        parse_data={"intent": {"name": intent, "confidence": 0.9}, "entities": entities},
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_place_question_says_what_was_understood(nlg, language):
    # "je me sens tellement seule…" got only "Dans quelle ville…?"
    ask = t("dialogue.utter.ask_place", language)
    alone = tracker(
        stated("je me sens tellement seule depuis le décès de mon mari", "need_mental_health"),
        SlotSet("need", "mental_health"),
        language=language,
    )
    looking = looking_for("mental_health", language)
    thanks = t("dialogue.understood.thanks", language)
    assert text(nlg, "utter_ask_place", alone) == f"{thanks} {looking} {ask}"
    # a need that is not hard to say: what was understood, no thanks
    rent = tracker(
        stated("I need help paying my rent", "need_housing"),
        SlotSet("need", "housing"),
        language=language,
    )
    looking = looking_for("housing", language)
    assert text(nlg, "utter_ask_place", rent) == f"{looking} {ask}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_need_searched_is_named(nlg, language):
    both = tracker(
        stated("I need a lawyer for my immigration appeal", "need_legal", "legal", "immigration"),
        SlotSet("need", "legal"),
        SlotSet("needs", ["legal", "immigration"]),
        language=language,
    )
    said_ = text(nlg, "utter_ask_place", both)
    assert need_resources("legal", language) in said_
    assert need_resources("immigration", language) in said_
    assert said_.index(need_resources("legal", language)) < said_.index(
        need_resources("immigration", language)
    )
    assert said_.endswith(t("dialogue.utter.ask_place", language))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_place_asked_again_or_after_a_crisis_is_the_question_alone(nlg, language):
    ask = t("dialogue.utter.ask_place", language)
    hello = tracker(
        stated("I need food", "need_food"),
        SlotSet("need", "food"),
        said("utter_ask_place"),
        stated("bonjour", "greet"),
        language=language,
    )
    assert text(nlg, "utter_ask_place", hello) == ask
    crisis = tracker(
        stated("he hits me, where can I go", "need_violence"),
        SlotSet("need", "violence"),
        SlotSet("crisis", "violence"),
        language=language,
    )
    assert text(nlg, "utter_ask_place", crisis) == ask
    unknown = tracker(stated("I need food", "need_food"), language=language)
    assert text(nlg, "utter_ask_place", unknown) == ask


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_button_gets_what_was_understood_without_thanks(nlg, language):
    button = tracker(
        stated("/need_mental_health", "need_mental_health"),
        SlotSet("need", "mental_health"),
        language=language,
    )
    looking = looking_for("mental_health", language)
    assert (
        text(nlg, "utter_ask_place", button)
        == f"{looking} {t('dialogue.utter.ask_place', language)}"
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_need_added_while_the_place_is_asked_is_named_with_the_first(nlg, language):
    # "I need a food bank", then "I don't know, I'm homeless" (actions/referral_form.py keeps
    # food first and adds shelter)
    added = tracker(
        stated("I need a food bank", "need_food", "food"),
        SlotSet("need", "food"),
        said("utter_ask_place"),
        stated("I don't know, I'm homeless", "need_shelter", "shelter"),
        SlotSet("need", "food"),
        SlotSet("needs", ["food", "shelter"]),
        language=language,
    )
    said_ = text(nlg, "utter_ask_place", added)
    food, shelter = need_resources("food", language), need_resources("shelter", language)
    assert food in said_ and shelter in said_ and said_.index(food) < said_.index(shelter)
    assert not said_.startswith(t("dialogue.understood.thanks", language))


def written_in(text_: str, code: str | None, intent: str = "crisis_suicide") -> UserUttered:
    entities = [{"entity": "other_language", "value": code}] if code else []
    return UserUttered(
        text_,
        intent={"name": intent, "confidence": 0.99},
        entities=entities,
        parse_data={"intent": {"name": intent, "confidence": 0.99}, "entities": entities},
    )


@pytest.mark.parametrize(("code", "words"), [("es", "quiero morir"), ("ht", "mwen vle mouri")])
def test_a_crisis_line_in_a_third_language_ends_with_the_interpreters_in_it(nlg, code, words):
    """The numbers read in any language; what to do is said in theirs too."""
    line = text(nlg, "utter_crisis_suicide", tracker(written_in(words, code)))
    assert line == f"{t('dialogue.utter.crisis_suicide', 'fr')}\n\n{t(OTHER_LANGUAGE_KEY, code)}"
    again = tracker(written_in(words, code), said("utter_crisis_suicide"), written_in(words, code))
    assert text(nlg, "utter_crisis_suicide", again).endswith(t(OTHER_LANGUAGE_KEY, code))
    # in French, or for a response that is not a crisis line, nothing is added
    french = text(nlg, "utter_crisis_suicide", tracker(written_in("jveux mourir", None)))
    assert french == t("dialogue.utter.crisis_suicide", "fr")
    offer = text(nlg, "utter_offer_counsellor", tracker(written_in(words, code)))
    assert offer == t("dialogue.utter.offer_counsellor", "fr")
