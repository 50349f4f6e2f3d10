"""The generated responses match the texts catalog, and every reply exists in FR and EN."""

from __future__ import annotations

import re

import yaml

from bot.dialogue import responses
from bot.nlu.crisis import KINDS
from bot.settings import ROOT


def test_domain_responses_are_in_sync_with_the_catalog():
    current = responses.DOMAIN_FILE.read_text(encoding="utf-8")
    assert current == responses.render(current), (
        "the responses of domain.yml are stale: run `relais build-domain`"
    )


def test_every_response_has_french_default_and_english_variation():
    special = set(responses.other_language_responses())
    for name, variations in responses.build_responses().items():
        if name in special:
            continue
        defaults = [v for v in variations if "condition" not in v]
        english = [
            v
            for v in variations
            if v.get("condition") == [{"type": "slot", "name": "language", "value": "en"}]
        ]
        assert len(defaults) == 1 and len(english) == 1, name
        assert defaults[0]["text"] and english[0]["text"], name
        assert len(defaults[0].get("buttons", [])) == len(english[0].get("buttons", [])), name


def test_button_titles_are_translated():
    ask_need = responses.build_responses()["utter_ask_need"]
    fr = [b["title"] for b in ask_need[0]["buttons"]]
    en = [b["title"] for b in ask_need[1]["buttons"]]
    assert fr[0] == "Alimentation" and en[0] == "Food"
    assert [b["payload"] for b in ask_need[0]["buttons"]] == [
        b["payload"] for b in ask_need[1]["buttons"]
    ]


def _used_responses() -> set[str]:
    used = set()
    for path in (ROOT / "actions").glob("*.py"):
        used |= set(re.findall(r'response="(utter_\w+)"', path.read_text(encoding="utf-8")))
    for folder in ("data/rules", "data/stories", "tests/stories"):
        for path in (ROOT / folder).glob("*.yml"):
            used |= set(re.findall(r"action: (utter_\w+)", path.read_text(encoding="utf-8")))
    used.add("utter_service_unavailable")  # bot/runtime/patches.py
    used.add("utter_restart")  # said by the built-in action_restart
    used.add("utter_default")  # said by the built-in action_default_fallback
    return used


def test_every_response_used_exists_and_every_response_is_used():
    defined = set(responses.build_responses())
    used = _used_responses()
    assert used - defined == set()
    # another wording is said in place of its response (bot/runtime/nlg.py)
    suffixes = (
        responses.AGAIN,
        responses.AFTER_CRISIS,
        *(f"{responses.AFTER_CRISIS}_{kind}" for kind in KINDS),  # what to do about that crisis
    )
    wordings = {name + suffix for name in used for suffix in suffixes}
    assert defined - used - wordings == set()


def test_other_language_answer_in_each_of_the_nine_languages():
    built = responses.other_language_responses()["utter_other_language"]
    default, *by_language = built
    assert "condition" not in default and "211" in default["text"]
    codes = [v["condition"][0]["value"] for v in by_language]
    assert codes == list(responses.OTHER_LANGUAGES)
    assert all(v["condition"][0]["name"] == "other_language" for v in by_language)
    assert all("211" in v["text"] for v in by_language)
    assert "911" in default["text"] and all("911" in v["text"] for v in by_language)
    assert len({v["text"] for v in by_language}) == 9  # nine translations, not one repeated


def test_variables_of_a_response_are_the_same_in_both_languages():
    special = set(responses.other_language_responses())
    for name, variations in responses.build_responses().items():
        if name in special:
            continue
        fr, en = variations[0]["text"], variations[1]["text"]
        assert set(re.findall(r"{(\w+)}", fr)) == set(re.findall(r"{(\w+)}", en)), name


def test_crisis_lines():
    built = responses.build_responses()
    text = {name: (v[0]["text"], v[-1]["text"]) for name, v in built.items() if len(v) == 2}
    for lang in (0, 1):
        assert "1-866-277-3553" in text["utter_crisis_suicide"][lang]
        assert "988" in text["utter_crisis_suicide"][lang]
        assert "911" in text["utter_crisis_violence"][lang]
        assert "1-800-363-9010" in text["utter_crisis_violence"][lang]
        assert "911" in text["utter_crisis_medical"][lang]
        assert "911" in text["utter_crisis_child"][lang]
        assert "1-800-263-2266" in text["utter_crisis_child"][lang]
        assert "211" in text["utter_service_unavailable"][lang]
        # said the second time: the same numbers, in fewer words
        for kind in ("suicide", "violence", "medical", "child"):
            first, again = (
                text[f"utter_crisis_{kind}"][lang],
                text[f"utter_crisis_{kind}_again"][lang],
            )
            assert again != first and len(again) < len(first), kind
            for number in re.findall(r"\b(?:911|988|1-8\d\d-\d{3}-\d{4})\b", first):
                assert number in again, (kind, number)


def test_domain_file_parses():
    assert yaml.safe_load(responses.DOMAIN_FILE.read_text(encoding="utf-8"))["version"] == "3.1"
