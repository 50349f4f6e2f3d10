"""`BotQuestionExtractor`: "are you a real person?" inside a message about something else."""

from __future__ import annotations

import pytest

from bot.nlu.bot_question import BotQuestionExtractor, bot_question_span


@pytest.mark.parametrize(
    "text",
    [
        "are you a real person? I need help paying my rent",
        "r u a bot or what, i need food for my kids",
        "am i talking to a human? my landlord wants to evict me",
        "is this a robot, i need a lawyer",
        "es-tu un robot? jai besoin d'aide pour mon loyer",
        "t'es tu une vraie personne? chu pu capable de payer l'épicerie",
        "est-ce que je parle à un humain? je cherche un dentiste",
        "c'est tu un chatbot ça? j'ai besoin d'un avocat",
        "y a tu quelqu'un qui lit ça? ma mère a besoin d'aide",
    ],
)
def test_the_question_is_found_inside_another_message(text):
    where = bot_question_span(text)
    assert where is not None
    assert where[0] < where[1] <= len(text)


@pytest.mark.parametrize(
    "text",
    [
        "I need a real person to help me with my taxes",
        "je cherche une personne pour m'aider avec mes impôts",
        "is this place open on sunday?",
        "are you open tomorrow",
        "my son is a robot fan, any robotics camps?",
        "je parle à mon avocat demain",
        "is it free?",
        "is this a program for seniors?",
        "c'est un programme pour les jeunes?",
        "c'est tu une personne âgée qui peut y aller?",
        "is it a computer class for adults",
    ],
)
def test_other_messages_do_not_ask_who_answers(text):
    assert bot_question_span(text) is None


def test_the_entity_is_added_except_to_a_bot_challenge(make_component, message, entity_values):
    component = make_component(BotQuestionExtractor)
    need = message("are you a real person? I need help paying my rent", intent="need_housing")
    component.process([need])
    assert entity_values(need, "bot_question") == ["asked"]
    challenge = message("are you a real person?", intent="bot_challenge")
    component.process([challenge])
    assert entity_values(challenge, "bot_question") == []
