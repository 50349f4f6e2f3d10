"""Keywords are whole messages, in French or English, accents and case ignored."""

from __future__ import annotations

import json

import pytest

from bot.channels.sms_keywords import Command, change_language_payload, parse_keyword


@pytest.mark.parametrize(
    ("text", "command", "language"),
    [
        ("STOP", Command.STOP, None),
        ("stop!", Command.STOP, None),
        ("ARRÊT", Command.STOP, "fr"),
        ("Arret", Command.STOP, "fr"),
        ("  arrêter. ", Command.STOP, "fr"),
        ("unsubscribe", Command.STOP, "en"),
        ("START", Command.START, None),
        ("Aide", Command.HELP, "fr"),
        ("HELP", Command.HELP, "en"),
        ("Recommencer", Command.RESTART, "fr"),
        ("restart", Command.RESTART, "en"),
        ("FRANÇAIS", Command.LANGUAGE, "fr"),
        ("francais", Command.LANGUAGE, "fr"),
        ("English", Command.LANGUAGE, "en"),
        ("plus", Command.MORE, "fr"),
        ("MORE", Command.MORE, "en"),
    ],
)
def test_keywords(text: str, command: Command, language: str | None) -> None:
    keyword = parse_keyword(text)
    assert keyword is not None
    assert (keyword.command, keyword.language) == (command, language)


@pytest.mark.parametrize(
    "text",
    [
        "j'ai besoin d'aide",
        "stop the violence",
        "je veux arrêter de boire",
        "1",
        "",
        "plus de nourriture",
    ],
)
def test_sentences_are_not_keywords(text: str) -> None:
    assert parse_keyword(text) is None


def test_change_language_payload_is_a_rasa_intent_with_the_language_entity() -> None:
    payload = change_language_payload("en")
    intent, _, entities = payload.partition("{")
    assert intent == "/change_language"
    assert json.loads("{" + entities) == {"language": "en"}
