"""A card is named by who and what: "Le Garde-Manger de Verdun : Dépannage alimentaire".

Three food cards near Verdun were all "Dépannage alimentaire" on SMS and in the REST text,
so the person could not tell whom each phone number reaches (the widget showed the
organization under the name). Every text that names a card says the same (`card_name`).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.channels.sms_render import render_card
from bot.dialogue.details import Question, reply
from bot.dialogue.results import card_name, card_text
from bot.texts import formats


def card(name: str, organization: str, index: int = 1) -> dict:
    return {
        "index": index,
        "service_id": f"s{index}",
        "name": name,
        "organization": organization,
        "distance_km": 0.2,
        "phone": "514-555-0101",
        "address": "1 rue de l'Église, Montréal",
        "text": {"distance": "à 0,2 km", "status": "Ouvert maintenant"},
    }


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Le Garde-Manger de Verdun : Dépannage alimentaire"),
        ("en", "Le Garde-Manger de Verdun: Dépannage alimentaire"),
    ],
)
def test_the_organization_then_its_service(language, expected):
    assert (
        card_name(card("Dépannage alimentaire", "Le Garde-Manger de Verdun"), language) == expected
    )


@pytest.mark.parametrize(
    ("name", "organization", "expected"),
    [
        ("Centre communautaire Chénier", "Centre communautaire Chénier", "Centre communautaire Chénier"),
        ("Popote roulante de la Maison des aînés", "maison des aînés", "Popote roulante de la Maison des aînés"),
        ("Aide", "Aide juridique de Montréal", "Aide juridique de Montréal"),
        ("Dépannage alimentaire", "", "Dépannage alimentaire"),
        ("", "Moisson Montréal", "Moisson Montréal"),
    ],
)  # fmt: skip
def test_one_name_when_one_holds_the_other(name, organization, expected):
    assert card_name(card(name, organization), "fr") == expected


def test_every_text_names_the_card_the_same_way():
    shown = card("Dépannage alimentaire", "Le Garde-Manger de Verdun")
    both = "Le Garde-Manger de Verdun : Dépannage alimentaire"
    assert card_text(shown, "fr").splitlines()[0] == f"1. {both} — à 0,2 km"
    assert render_card(shown, "fr").splitlines()[0] == f"- {both} (0,2 km)"
    answer = reply(Question(("fees",), "1"), [shown], {"s1": {}}, "fr", datetime.now(formats.TZ))
    assert answer.splitlines()[0].startswith(f"1. {both}")
