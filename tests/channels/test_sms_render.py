"""Bot messages as SMS: numbered options, short service cards, answers mapped back."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.channels.sms_render import render_card, render_turn, resolve_choice
from bot.channels.sms_segments import encoding_of, paginate, prepare
from bot.channels.sms_store import Option
from bot.settings import DOMAIN_PATH
from bot.texts import t

CARDS = [
    {"name": "Banque alimentaire A", "distance_km": 1.26, "text": {"status": "Ouvert maintenant"},
     "phone": "514-555-0101", "address": "1 rue Principale, Laval", "fictional": True},
    {"name": "Cuisine B", "distance_km": 12.4, "text": {"status": ""}, "phone": None,
     "address": None, "fictional": False},
]  # fmt: skip


def test_buttons_become_numbered_lines_and_options() -> None:
    turn = render_turn(
        [{"text": "De quoi avez-vous besoin?",
          "buttons": [{"title": "Alimentation", "payload": "/need_food"},
                      {"title": "Logement", "payload": "/need_housing"}]}],
        "fr",
    )  # fmt: skip
    assert turn.text == "De quoi avez-vous besoin?\n\n1. Alimentation\n2. Logement"
    assert turn.options == (
        Option("Alimentation", "/need_food"),
        Option("Logement", "/need_housing"),
    )


def test_options_of_several_messages_share_one_numbering_without_duplicates() -> None:
    turn = render_turn(
        [{"text": "A", "buttons": [{"title": "Un", "payload": "/a"}]},
         {"text": "B", "buttons": [{"title": "Un encore", "payload": "/a"},
                                   {"title": "Deux", "payload": "/b"}]}],
        "fr",
    )  # fmt: skip
    assert [o.payload for o in turn.options] == ["/a", "/b"]
    assert "2. Deux" in turn.text and "Un encore" not in turn.text


@pytest.mark.parametrize(
    ("language", "distance", "phone", "marker"),
    [("fr", "(1,3 km)", "Tél. 514-555-0101", "FICTIF"),
     ("en", "(1.3 km)", "Tel. 514-555-0101", "FICTIONAL")],
)  # fmt: skip
def test_card_is_short_text(language: str, distance: str, phone: str, marker: str) -> None:
    text = render_card(CARDS[0], language)
    assert text.splitlines() == [
        f"- Banque alimentaire A {distance}",
        "Ouvert maintenant",
        phone,
        "1 rue Principale, Laval",
        t("sms.card.fictional", language),
    ]
    assert marker in text
    assert render_card(CARDS[1], language) == "- Cuisine B (12 km)"


def test_results_payload_is_rendered_short_between_the_texts() -> None:
    payload = {"type": "service_results", "language": "fr", "cards": CARDS,
               "widened": "Rien à moins de 5 km : j'ai cherché jusqu'à 15 km."}  # fmt: skip
    messages: list[dict[str, Any]] = [
        {"text": "Voici des ressources :"},
        {"custom": payload},
        {"text": "Que voulez-vous faire?", "buttons": [{"title": "C'est tout", "payload": "/goodbye"}]},
    ]  # fmt: skip
    turn = render_turn(messages, "fr")
    assert "☎" not in turn.text
    assert turn.text.count("Banque alimentaire A") == 1
    assert turn.text.index("Voici") < turn.text.index("Rien à moins") < turn.text.index("- Banque")
    assert "1. C'est tout" in turn.text
    assert encoding_of(prepare(turn.text)) == "gsm7"


def test_a_results_payload_with_a_text_twin_is_rendered_once() -> None:
    """The REST channel adds a plain-text rendering to the payload: SMS uses its own."""
    payload = {"type": "service_results", "language": "fr", "cards": CARDS[:1]}
    turn = render_turn([{"custom": payload, "text": "1. Banque alimentaire A\n☎ 514"}], "fr")
    assert turn.text.count("Banque alimentaire A") == 1 and "☎" not in turn.text


def test_other_custom_payloads_are_not_dumped_as_json() -> None:
    assert render_turn([{"custom": {"type": "map", "lat": 45}}], "fr").text == ""


OPTIONS = [Option("Alimentation", "/need_food"), Option("Logement", "/need_housing"),
           Option("Parler à une intervenante", "/ask_human")]  # fmt: skip


@pytest.mark.parametrize(
    ("reply", "payload"),
    [("1", "/need_food"), (" 2 ", "/need_housing"), ("2)", "/need_housing"), ("#3", "/ask_human"),
     ("3.", "/ask_human"), ("logement", "/need_housing"), ("LOGEMENT!", "/need_housing"),
     ("Logemnt", "/need_housing"), ("parler a une intervenante", "/ask_human"),
     ("4", None), ("0", None), ("j'ai faim", None), ("ok", None)],
)  # fmt: skip
def test_resolve_choice(reply: str, payload: str | None) -> None:
    assert resolve_choice(reply, OPTIONS) == payload


def test_no_options_means_no_choice() -> None:
    assert resolve_choice("1", []) is None


def _response(name: str, language: str) -> dict[str, Any]:
    responses = yaml.safe_load(DOMAIN_PATH.read_text(encoding="utf-8"))
    for variation in responses["responses"][name]:
        conditioned = any(c.get("value") == "en" for c in variation.get("condition") or [])
        if conditioned == (language == "en"):
            return variation
    raise AssertionError(name)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", ["utter_greet", "utter_ask_need", "utter_anything_else"])
def test_the_assistants_real_menus_fit_one_page_in_gsm7(name: str, language: str) -> None:
    turn = render_turn([_response(name, language)], language)
    pages = paginate(turn.text, more_hint=t("sms.more.hint", language))
    assert len(pages) == 1 and pages[0].segments <= 3 and pages[0].encoding == "gsm7"
    assert "1. " in pages[0].text
