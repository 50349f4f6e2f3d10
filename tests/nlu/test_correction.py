"""`corrects`: a message that says what was understood was wrong replaces the need; other
needs written while the place is asked are added (actions/referral_form.py)."""

from __future__ import annotations

import pytest

from bot.nlu.correction import corrects


@pytest.mark.parametrize(
    "text",
    [
        "non c'est pas ça, il consomme de la drogue",
        "Non, je veux dire de l'argent pour payer mon loyer",
        "en fait c'est pour ma mère",
        "c pas ça que je veux, c'est pour du linge",
        "vous avez mal compris, je cherche un avocat",
        "no i mean money, i lost my job",
        "actually it's for clothes for my kids",
        "Nope, food",
        "that's not what i meant, i need a dentist",
        "wrong, i need clothes",
    ],
)
def test_a_correction_is_recognized(text):
    assert corrects(text)


@pytest.mark.parametrize(
    "text",
    [
        "I don't know, I'm homeless",
        "no money for rent this month",
        "non-profit legal help",
        "aussi j'ai pas de logement",
        "no food at home, 3 kids",
        "nourriture à Laval",
        "pas de travail depuis mars",
    ],
)
def test_a_need_said_plainly_is_not_a_correction(text):
    assert not corrects(text)
