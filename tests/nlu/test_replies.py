"""`bot.nlu.replies`: a correction replaces the need, other needs written while the place is
asked are added, and a question about the place is told why (actions/referral_form.py)."""

from __future__ import annotations

import pytest

from bot.nlu.replies import asks_why_place, corrects


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


@pytest.mark.parametrize(
    "text",
    [
        "pourquoi vous voulez savoir ça?",
        "je préfère pas dire où j'habite",
        "pk tu veux savoir",
        "c'est privé",
        "why do you need my location?",
        "I'd rather not say",
        "i don't want to give my address",
        "that's personal",
    ],
)
def test_a_question_about_the_place_or_a_reluctance(text):
    assert asks_why_place(text)


@pytest.mark.parametrize(
    "text",
    ["Hochelaga", "H2X 1Y4", "près du métro Jean-Talon", "I'm in Laval", "pas loin de Verdun"],
)
def test_a_place_is_not_a_question_about_it(text):
    assert not asks_why_place(text)
